"""A FHIRPath (N1, http://hl7.org/fhirpath/N1/) evaluator over FHIR JSON data.

An expression is compiled once, from fhirpathpy's parse tree, into a tree of
closures; evaluating it calls them on the data with no further look-ups of
the tree.  Every closure takes the evaluation's :class:`Scope` (``$this``,
``$index``, ``$total`` and the evaluation's state) and gives a collection (a
Python list); an invocation (``.name``, ``.where(...)``) also takes its input
collection.  Items are :class:`~nhsstd.conformance._fhirpath._model.Element`
for the data and Python values for FHIRPath's System types: ``str``,
``bool``, ``int``, ``Decimal``, :class:`Moment` (Date, DateTime, Time) and
:class:`Quantity`.

What the evaluation cannot do (an unknown function, a type error such as
comparing a collection of two, a regex Python cannot compile) raises
:class:`EvaluationError`; the engine reports that as "cannot evaluate".

>>> run = compile_expression(parse_expression("name.given.where($this.startsWith('J')).count()"))
>>> run({"name": [{"given": ["Jo", "Al"]}, {"given": ["Jim"]}]}, "Patient", Environment())
[2]
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, DecimalException, localcontext
from typing import Any, Final

import regex  # type: ignore[import-untyped]

from nhsstd.conformance._fhirpath._model import Element, FhirTypes, fhir_types, resource_element
from nhsstd.conformance._fhirpath._parse import parse
from nhsstd.conformance._fhirpath._values import Moment, Quantity, add_duration, compare_moments, parse_moment

__all__ = [
    "Environment",
    "EvaluationError",
    "Scope",
    "compile_expression",
    "descendants",
    "parse_expression",
    "resource_element",
    "value_of",
]


class EvaluationError(ValueError):
    """The expression cannot be evaluated on this data (FHIRPath says: an error)."""


_NO_FUNCTIONS: Final[Mapping[str, Callable[..., list[Any]]]] = {}
_NO_VARIABLES: Final[Mapping[str, Any]] = {}


class Environment:
    """What one evaluation sees beyond its context node.

    ``%context``, ``%resource`` and ``%rootResource`` are the context element
    and the resource data given; ``variables`` adds other ``%name``
    constants; ``functions`` adds functions by name (each gets the scope, its
    input and its arguments' collections); ``bundle`` and ``terminology`` are
    for those functions.  The clock is read once per evaluation.
    """

    __slots__ = ("bundle", "context", "functions", "now", "resource", "root", "terminology", "variables")

    def __init__(
        self,
        resource: Any = None,
        root: Any = None,
        functions: Mapping[str, Callable[..., list[Any]]] = _NO_FUNCTIONS,
        bundle: Any = None,
        terminology: Any = None,
        variables: Mapping[str, Any] = _NO_VARIABLES,
        context: Element | None = None,
    ) -> None:
        self.context = context
        self.resource = resource
        self.root = root
        self.variables = variables
        self.functions = functions
        self.bundle = bundle
        self.terminology = terminology
        self.now: datetime.datetime | None = None

    def variable(self, name: str) -> list[Any]:
        """The value of ``%name``; raises for a name no one defined."""
        if name == "context" and self.context is not None:
            return [self.context]
        if name == "resource" and self.resource is not None:
            return [resource_element(self.resource)]
        if name == "rootResource" and self.root is not None:
            return [resource_element(self.root)]
        if name in self.variables:
            value = self.variables[name]
            return list(value) if isinstance(value, list) else [value]
        known = _FHIR_CONSTANTS.get(name)
        if known is None:
            raise EvaluationError(f"%{name} is not defined")
        return [known]


#: The environment variables of FHIR (R4 fhirpath.html section 2.1.9.2).
_FHIR_CONSTANTS: Final = {
    "ucum": "http://unitsofmeasure.org",
    "sct": "http://snomed.info/sct",
    "loinc": "http://loinc.org",
}


class Scope:
    """``$this`` (a collection), ``$index`` and ``$total`` of one step, and the evaluation."""

    __slots__ = ("environment", "index", "this", "total", "types")

    def __init__(
        self, this: list[Any], environment: Environment, types: FhirTypes, index: int = 0, total: Any = None
    ) -> None:
        self.this = this
        self.environment = environment
        self.types = types
        self.index = index
        self.total = total

    def item(self, item: Any, index: int) -> Scope:
        """The scope in which an argument is evaluated for one *item* of the input."""
        return Scope([item], self.environment, self.types, index, self.total)

    def clock(self) -> datetime.datetime:
        environment = self.environment
        if environment.now is None:
            environment.now = datetime.datetime.now(datetime.timezone.utc).astimezone()
        return environment.now


#: An expression: a collection in a scope.
Expression = Callable[[Scope], list[Any]]
#: An invocation: a collection from an input collection.
Invocation = Callable[[list[Any], Scope], list[Any]]
#: What the parse tree gives a function: its arguments as expressions (and the type specifiers' text).
Compiler = Callable[[list[Any]], Invocation]

#: Shared results: no step changes a collection it is given or gives (each builds a new one).
_EMPTY: Final[list[Any]] = []
_TRUE: Final[list[Any]] = [True]
_FALSE: Final[list[Any]] = [False]


def parse_expression(expression: str) -> Any:
    """The parse tree of *expression* (fhirpathpy's grammar and tree form); raises on bad syntax."""
    return parse(expression)


def compile_expression(tree: Any) -> Callable[[Any, str, Environment], list[Any]]:
    """The evaluator of a parse tree: ``run(node, type_name, environment) -> collection``."""
    expression = _expression(tree["children"][0])
    types = fhir_types()

    def run(node: Any, type_name: str, environment: Environment) -> list[Any]:
        context = types.element_of(node, type_name) if not isinstance(node, Element) else node
        if environment.context is None:
            environment.context = context
        return expression(Scope([context], environment, types))

    return run


# --- values -----------------------------------------------------------------------------------

_STRING_TYPES: Final = frozenset(
    {"string", "code", "id", "uri", "url", "canonical", "markdown", "oid", "uuid", "base64Binary", "xhtml"}
)
_INTEGER_TYPES: Final = frozenset({"integer", "positiveInt", "unsignedInt"})
_MOMENT_TYPES: Final = {"date": "date", "dateTime": "dateTime", "instant": "dateTime", "time": "time"}


def value_of(item: Any) -> Any:
    """The System value of *item*: primitives converted by their FHIR type, complex elements kept.

    A FHIR Quantity becomes a System Quantity; a primitive with only
    extensions has the value None.
    """
    if not isinstance(item, Element):
        return item
    data = item.data
    if isinstance(data, dict):
        if item.type == "Quantity" and "value" in data:
            return _quantity_of(data)
        return item
    if data is None or isinstance(data, list):
        return None if data is None else item
    kind = item.type
    if isinstance(data, bool):
        return data
    if isinstance(data, str):
        moment_kind = _MOMENT_TYPES.get(kind or "")
        if moment_kind is not None:
            moment = parse_moment(data, moment_kind)
            return moment if moment is not None else data
        return data
    if isinstance(data, int):
        return Decimal(data) if kind == "decimal" else data
    if isinstance(data, (float, Decimal)):
        return _finite_decimal(data)
    return item


def _finite_decimal(number: float | Decimal) -> Decimal:
    """A JSON number as a Decimal; NaN and infinities are refused.

    JSON has no NaN or Infinity (RFC 8259 section 6) and neither has FHIR's
    decimal, but Python's json module and a caller's dict can hold them.
    """
    value = Decimal(repr(number)) if isinstance(number, float) else number
    if not value.is_finite():
        raise EvaluationError("a number that is not finite")
    return value


def _quantity_of(data: Mapping[str, Any]) -> Quantity | Element:
    value = data.get("value")
    unit = data.get("code", data.get("unit", "1"))
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)) or not isinstance(unit, str):
        return Element(data, "Quantity", "Quantity")
    return Quantity(Decimal(value) if isinstance(value, int) else _finite_decimal(value), unit)


def _values(items: list[Any]) -> list[Any]:
    return [value for value in map(value_of, items) if value is not None]


def _single(items: list[Any], what: str) -> Any:
    """The one value of *items* (None when empty); more than one is an error."""
    if not items:
        return None
    if len(items) > 1:
        raise EvaluationError(f"{what} expects a single item")
    return value_of(items[0])


def _boolean(items: list[Any]) -> bool | None:
    """Singleton evaluation as a Boolean (N1 section 4.5): empty -> None, one non-Boolean -> true."""
    if items is _TRUE or items is _FALSE:
        return items[0]  # type: ignore[no-any-return]
    if not items:
        return None
    if len(items) > 1:
        raise EvaluationError("a Boolean is expected, not a collection")
    value = value_of(items[0])
    if value is None:
        return None
    return value if isinstance(value, bool) else True


def _string(items: list[Any], what: str) -> str | None:
    value = _single(items, what)
    if value is None:
        return None
    if not isinstance(value, str):
        raise EvaluationError(f"{what} expects a string")
    return value


def _integer(items: list[Any], what: str) -> int | None:
    value = _single(items, what)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise EvaluationError(f"{what} expects an integer")
    return value


def _to_string(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")  # 0.00000001, not Python's 1E-8
    if isinstance(value, (str, int, Moment)):
        return str(value)
    if isinstance(value, Quantity):
        return str(value)
    return None


# --- equality ---------------------------------------------------------------------------------

#: The calendar duration words (N1 section 2.1.1: Quantity literals) and their singular.
_CALENDAR_WORDS: Final = {
    plural: singular
    for singular in ("year", "month", "week", "day", "hour", "minute", "second", "millisecond")
    for plural in (singular, singular + "s")
}
#: UCUM codes of definite durations, as the calendar word they equal (not ``a`` and ``mo``).
_UCUM_DURATIONS: Final = {
    "wk": "week",
    "d": "day",
    "h": "hour",
    "min": "minute",
    "s": "second",
    "ms": "millisecond",
}
#: Linear units that convert (a few UCUM units of time, mass and length), to a base per dimension.
_CONVERSIONS: Final[Mapping[str, tuple[str, Decimal]]] = {
    "week": ("s", Decimal(604800)), "day": ("s", Decimal(86400)), "hour": ("s", Decimal(3600)),
    "minute": ("s", Decimal(60)), "second": ("s", Decimal(1)), "millisecond": ("s", Decimal("0.001")),
    "kg": ("g", Decimal(1000)), "g": ("g", Decimal(1)), "mg": ("g", Decimal("0.001")),
    "ug": ("g", Decimal("0.000001")), "km": ("m", Decimal(1000)), "m": ("m", Decimal(1)),
    "cm": ("m", Decimal("0.01")), "mm": ("m", Decimal("0.001")),
}  # fmt: skip


def _unit(unit: str) -> str:
    """A unit in one spelling: calendar words singular, UCUM durations as their word."""
    return _CALENDAR_WORDS.get(unit) or _UCUM_DURATIONS.get(unit, unit)


def _comparable(left: Quantity, right: Quantity) -> tuple[Decimal, Decimal] | None:
    """The two values in one unit, or None when the units do not convert."""
    mine, theirs = _unit(left.unit), _unit(right.unit)
    if mine == theirs:
        return left.value, right.value
    left_base, right_base = _CONVERSIONS.get(mine), _CONVERSIONS.get(theirs)
    if left_base is None or right_base is None or left_base[0] != right_base[0]:
        return None
    return left.value * left_base[1], right.value * right_base[1]


def _equal_values(left: Any, right: Any) -> bool | None:
    """FHIRPath ``=`` on two values: None when precision (dates) or units (quantities) decide."""
    if isinstance(left, Element) or isinstance(right, Element):
        if isinstance(left, Element) and isinstance(right, Element):
            return bool(left.data == right.data)
        return False
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right if isinstance(left, bool) and isinstance(right, bool) else False
    if isinstance(left, (int, Decimal)) and isinstance(right, (int, Decimal)):
        return bool(left == right)
    if isinstance(left, Moment) and isinstance(right, Moment):
        if (left.kind == "time") != (right.kind == "time"):
            return False
        order = compare_moments(left, right)
        return None if order is None else order == 0
    if isinstance(left, Quantity) and isinstance(right, Quantity):
        values = _comparable(left, right)
        return None if values is None else values[0] == values[1]
    return type(left) is type(right) and bool(left == right)


def _equivalent_values(left: Any, right: Any) -> bool:
    """FHIRPath ``~``: strings ignoring case and spacing, decimals to the lesser precision."""
    if isinstance(left, str) and isinstance(right, str):
        return " ".join(left.lower().split()) == " ".join(right.lower().split())
    numbers = isinstance(left, (int, Decimal)) and isinstance(right, (int, Decimal))
    if numbers and (isinstance(left, Decimal) or isinstance(right, Decimal)):
        if isinstance(left, bool) or isinstance(right, bool):
            return False
        places = min(_places(left), _places(right))
        return round(Decimal(left), places) == round(Decimal(right), places)
    if isinstance(left, Moment) and isinstance(right, Moment):
        return len(left.parts) == len(right.parts) and _equal_values(left, right) is True
    if isinstance(left, Quantity) and isinstance(right, Quantity):
        values = _comparable(left, right)
        return values is not None and _equivalent_values(*values)
    if isinstance(left, Element) and isinstance(right, Element):
        return bool(left.data == right.data)
    return _equal_values(left, right) is True


def _places(value: int | Decimal) -> int:
    exponent = Decimal(value).as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _equal(left: list[Any], right: list[Any]) -> list[Any]:
    if not left or not right:
        return _EMPTY
    left_values, right_values = _values(left), _values(right)
    if not left_values or not right_values:
        return _EMPTY
    if len(left_values) != len(right_values):
        return [False]
    result: bool | None = True
    for mine, theirs in zip(left_values, right_values, strict=True):
        same = _equal_values(mine, theirs)
        if same is False:
            return [False]
        if same is None:
            result = None
    return _EMPTY if result is None else [result]


def _equivalent(left: list[Any], right: list[Any]) -> bool:
    left_values, right_values = _values(left), _values(right)
    if len(left_values) != len(right_values):
        return False
    remaining = list(right_values)
    for mine in left_values:
        for index, theirs in enumerate(remaining):
            if _equivalent_values(mine, theirs):
                del remaining[index]
                break
        else:
            return False
    return True


def _not_equal(left: list[Any], right: list[Any]) -> list[Any]:
    same = _equal(left, right)
    return [not same[0]] if same else _EMPTY


def _distinct(items: list[Any]) -> list[Any]:
    kept: list[Any] = []
    kept_values: list[Any] = []
    for item in items:
        value = value_of(item)
        if value is None:
            continue
        if not any(_equal_values(value, other) is True for other in kept_values):
            kept.append(item)
            kept_values.append(value)
    return kept


def _contains_value(items: list[Any], value: Any) -> bool:
    return any(_equal_values(value, other) is True for other in _values(items))


# --- comparison and arithmetic ----------------------------------------------------------------


def _order(left: list[Any], right: list[Any]) -> int | None:
    mine, theirs = _single(left, "a comparison"), _single(right, "a comparison")
    if mine is None or theirs is None:
        return None
    if isinstance(mine, bool) or isinstance(theirs, bool):
        raise EvaluationError("Booleans are not ordered")
    if isinstance(mine, (int, Decimal)) and isinstance(theirs, (int, Decimal)):
        return (mine > theirs) - (mine < theirs)
    if isinstance(mine, str) and isinstance(theirs, str):
        return (mine > theirs) - (mine < theirs)
    if isinstance(mine, Moment) and isinstance(theirs, Moment):
        try:
            return compare_moments(mine, theirs)
        except TypeError as error:
            raise EvaluationError(str(error)) from None
    if isinstance(mine, Quantity) and isinstance(theirs, Quantity):
        values = _comparable(mine, theirs)
        if values is None:
            return None
        return (values[0] > values[1]) - (values[0] < values[1])
    raise EvaluationError("these values cannot be compared")


def _comparison(test: Callable[[int], bool]) -> Callable[[list[Any], list[Any]], list[Any]]:
    def compare(left: list[Any], right: list[Any]) -> list[Any]:
        order = _order(left, right)
        return _EMPTY if order is None else [test(order)]

    return compare


def _number_pair(left: list[Any], right: list[Any], what: str) -> tuple[Any, Any] | None:
    mine, theirs = _single(left, what), _single(right, what)
    if mine is None or theirs is None:
        return None
    return mine, theirs


def _add(left: list[Any], right: list[Any]) -> list[Any]:
    pair = _number_pair(left, right, "+")
    if pair is None:
        return _EMPTY
    mine, theirs = pair
    if isinstance(mine, str) and isinstance(theirs, str):
        return [mine + theirs]
    return _arithmetic(mine, theirs, "+")


def _arithmetic(mine: Any, theirs: Any, operator: str) -> list[Any]:
    if isinstance(mine, bool) or isinstance(theirs, bool):
        raise EvaluationError(f"{operator} does not apply to Booleans")
    if isinstance(mine, (int, Decimal)) and isinstance(theirs, (int, Decimal)):
        try:
            result = _ARITHMETIC[operator](mine, theirs)
        except (ZeroDivisionError, DecimalException):
            return _EMPTY  # division by zero (N1 6.6.4), or a Decimal beyond what can be held
        return [_in_integer_range(result)]
    if isinstance(mine, Moment) and isinstance(theirs, Quantity) and operator in "+-":
        sign = 1 if operator == "+" else -1
        unit = _CALENDAR_WORDS.get(theirs.unit) or _UCUM_DURATIONS.get(theirs.unit, "")
        moved = add_duration(mine, theirs.value * sign, unit)
        if moved is None:
            raise EvaluationError("not a duration that can be added to a date")
        return [moved]
    if isinstance(mine, Quantity) and isinstance(theirs, Quantity) and operator in "+-":
        if _unit(mine.unit) != _unit(theirs.unit):
            return _EMPTY
        return [Quantity(_ARITHMETIC[operator](mine.value, theirs.value), mine.unit)]
    scalar = isinstance(mine, Quantity) and isinstance(theirs, Quantity) and "1" in (mine.unit, theirs.unit)
    if scalar and operator in "*/":
        # a unit times or over a number; other units need UCUM algebra
        unit = mine.unit if theirs.unit == "1" else theirs.unit
        try:
            return [Quantity(_ARITHMETIC[operator](mine.value, theirs.value), unit)]
        except (ZeroDivisionError, DecimalException):
            return _EMPTY
    raise EvaluationError(f"{operator} does not apply to these values")


#: FHIRPath's Integer: "whole numbers in the range -2^31 to 2^31-1" (N1 section 2.1.1 and FHIR's
#: integer); Python's are unbounded, and one of thousands of digits cannot even be written out.
_INTEGER_RANGE: Final = range(-(2**31), 2**31)


def _in_integer_range(result: Any) -> Any:
    """*result* when it is not an Integer outside FHIRPath's range (which is an error)."""
    if isinstance(result, int) and result not in _INTEGER_RANGE:
        raise EvaluationError("an Integer outside FHIRPath's range")
    return result


def _divide(left: Decimal | int, right: Decimal | int) -> Decimal:
    return Decimal(left) / Decimal(right)


def _integer_divide(left: Decimal | int, right: Decimal | int) -> int:
    return int(Decimal(left) / Decimal(right))


def _modulo(left: Decimal | int, right: Decimal | int) -> Decimal | int:
    if isinstance(left, int) and isinstance(right, int):
        if right == 0:
            raise ZeroDivisionError
        return left - right * int(left / right)
    return Decimal(left) % Decimal(right)


_ARITHMETIC: Final[Mapping[str, Callable[[Any, Any], Any]]] = {
    "+": lambda left, right: left + right,
    "-": lambda left, right: left - right,
    "*": lambda left, right: left * right,
    "/": _divide,
    "div": _integer_divide,
    "mod": _modulo,
}


def _arithmetic_operator(operator: str) -> Callable[[list[Any], list[Any]], list[Any]]:
    def apply(left: list[Any], right: list[Any]) -> list[Any]:
        pair = _number_pair(left, right, operator)
        return _EMPTY if pair is None else _arithmetic(pair[0], pair[1], operator)

    return apply


def _concatenate(left: list[Any], right: list[Any]) -> list[Any]:
    mine, theirs = _single(left, "&"), _single(right, "&")
    if (mine is not None and not isinstance(mine, str)) or (
        theirs is not None and not isinstance(theirs, str)
    ):
        raise EvaluationError("& joins strings")
    return [(mine or "") + (theirs or "")]


def _in(left: list[Any], right: list[Any]) -> list[Any]:
    if not left:
        return _EMPTY
    value = _single(left, "in")
    return _EMPTY if value is None else [_contains_value(right, value)]


def _union(left: list[Any], right: list[Any]) -> list[Any]:
    return _distinct(left + right)


_BINARY: Final[Mapping[str, Callable[[list[Any], list[Any]], list[Any]]]] = {
    "=": _equal,
    "!=": _not_equal,
    "~": lambda left, right: [_equivalent(left, right)],
    "!~": lambda left, right: [not _equivalent(left, right)],
    "<": _comparison(lambda order: order < 0),
    "<=": _comparison(lambda order: order <= 0),
    ">": _comparison(lambda order: order > 0),
    ">=": _comparison(lambda order: order >= 0),
    "+": _add,
    "-": _arithmetic_operator("-"),
    "*": _arithmetic_operator("*"),
    "/": _arithmetic_operator("/"),
    "div": _arithmetic_operator("div"),
    "mod": _arithmetic_operator("mod"),
    "&": _concatenate,
    "|": _union,
    "in": _in,
    "contains": lambda left, right: _in(right, left),
}


def _and(left: bool | None, right: Callable[[], bool | None]) -> bool | None:
    if left is False:
        return False
    other = right()
    if other is False:
        return False
    return True if left is True and other is True else None


def _or(left: bool | None, right: Callable[[], bool | None]) -> bool | None:
    if left is True:
        return True
    other = right()
    if other is True:
        return True
    return False if left is False and other is False else None


def _implies(left: bool | None, right: Callable[[], bool | None]) -> bool | None:
    if left is False:
        return True
    other = right()
    if other is True:
        return True
    return None if left is None or other is None else False


def _xor(left: bool | None, right: Callable[[], bool | None]) -> bool | None:
    other = right()
    return None if left is None or other is None else left != other


_LOGIC: Final = {"and": _and, "or": _or, "implies": _implies, "xor": _xor}


# --- types ------------------------------------------------------------------------------------

_SYSTEM_TYPES: Final[Mapping[type, str]] = {
    str: "String",
    bool: "Boolean",
    int: "Integer",
    Decimal: "Decimal",
    Quantity: "Quantity",
}
_MOMENT_SYSTEM_TYPES: Final = {"date": "Date", "dateTime": "DateTime", "time": "Time"}
_SYSTEM_TYPE_NAMES: Final = frozenset(_SYSTEM_TYPES.values()) | frozenset(_MOMENT_SYSTEM_TYPES.values())


def _system_type(value: Any) -> str | None:
    if isinstance(value, Moment):
        return _MOMENT_SYSTEM_TYPES[value.kind]
    return _SYSTEM_TYPES.get(type(value))


def _type_test(specifier: str, *, exact_primitives: bool = False) -> Callable[[Any, FhirTypes], bool]:
    """Whether an item is of the type named (``FHIR.string``, ``System.Integer``, ``Quantity``).

    An element is of its type and the types it derives from (a ``code`` is a
    ``string``), except that *exact_primitives* (``as``, ``ofType``) keeps
    only a primitive of that very type, as the FHIRPath test suite reads
    them (``Patient.gender.as(string)`` is empty).
    """
    namespace, _, name = specifier.rpartition(".")
    name = name.strip("`")
    if namespace not in ("", "FHIR", "System"):
        raise EvaluationError(f"unknown type namespace {namespace}")
    if (
        namespace != "System"
        and not fhir_types().is_type(name)
        and (namespace == "FHIR" or name not in _SYSTEM_TYPE_NAMES)
    ):
        raise EvaluationError(f"unknown type {specifier}")

    def test(item: Any, types: FhirTypes) -> bool:
        if isinstance(item, Element):
            if namespace == "System":
                return False
            if exact_primitives and types.is_primitive(item.type):
                return item.type == name
            return types.is_a(item.type, name)
        if namespace == "FHIR":
            return False
        return _system_type(item) == name

    return test


# --- the parse tree ---------------------------------------------------------------------------


def _text(tree: Mapping[str, Any]) -> str:
    return str(tree.get("text", ""))


def _identifier(tree: Mapping[str, Any]) -> str:
    text = _text(tree)
    if text.startswith("`"):
        return text[1:-1]
    return text


def _expression(tree: Mapping[str, Any]) -> Expression:
    builder = _EXPRESSIONS.get(tree["type"])
    if builder is None:
        raise EvaluationError(f"{tree['type']} is not supported")
    return builder(tree)


def _term(tree: Mapping[str, Any]) -> Expression:
    (inner,) = tree["children"]
    return _expression(inner)


def _invocation_term(tree: Mapping[str, Any]) -> Expression:
    (invocation,) = tree["children"]
    if invocation["type"] == "MemberInvocation":
        name = _identifier(invocation["children"][0])
        if name[:1].isupper():
            return _type_or_member(name)
    step = _invocation(invocation)
    return lambda scope: step(scope.this, scope)


def _type_or_member(name: str) -> Expression:
    # "Patient.name": a leading type name selects the context when it is of that type (N1 5.1).
    def select(scope: Scope) -> list[Any]:
        this = scope.this
        if this and all(isinstance(item, Element) and scope.types.is_a(item.type, name) for item in this):
            return this
        return _member(name)(this, scope)

    return select


def _invocation_expression(tree: Mapping[str, Any]) -> Expression:
    source, invocation = tree["children"]
    before = _expression(source)
    step = _invocation(invocation)
    return lambda scope: step(before(scope), scope)


def _invocation(tree: Mapping[str, Any]) -> Invocation:
    kind = tree["type"]
    if kind == "MemberInvocation":
        return _member(_identifier(tree["children"][0]))
    if kind == "FunctionInvocation":
        (function,) = tree["children"]
        name = _identifier(function["children"][0])
        arguments = function["children"][1]["children"] if len(function["children"]) > 1 else []
        return _function(name, arguments)
    if kind == "ThisInvocation":
        return lambda items, scope: scope.this
    if kind == "IndexInvocation":
        return lambda items, scope: [scope.index]
    if kind == "TotalInvocation":
        return lambda items, scope: scope.total if isinstance(scope.total, list) else [scope.total]
    raise EvaluationError(f"{kind} is not supported")


def _member(name: str) -> Invocation:
    def navigate(items: list[Any], scope: Scope) -> list[Any]:
        if not items:
            return _EMPTY
        child = scope.types.child
        if len(items) == 1:
            item = items[0]
            return child(item, name) if isinstance(item, Element) else _EMPTY
        found: list[Any] = []
        for item in items:
            if isinstance(item, Element):
                found.extend(child(item, name))
        return found

    return navigate


def _literal(value: Any) -> Expression:
    constant = [value]
    return lambda scope: constant


def _literal_term(tree: Mapping[str, Any]) -> Expression:
    (literal,) = tree["children"]
    kind = literal["type"]
    text = _text(literal)
    if kind == "NullLiteral":
        return lambda scope: _EMPTY
    if kind == "BooleanLiteral":
        return _literal(text == "true")
    if kind == "StringLiteral":
        return _literal(_unescape(text[1:-1]))
    if kind == "NumberLiteral":
        if "." in text:
            return _literal(Decimal(text))
        if len(text) > 10:  # int() refuses thousands of digits; ten are enough for 2^31
            raise EvaluationError("an Integer outside FHIRPath's range")
        return _literal(_in_integer_range(int(text)))
    if kind in ("DateTimeLiteral", "TimeLiteral"):
        body = text[1:]
        if kind == "TimeLiteral":
            moment = parse_moment(body[1:], "time")
        else:
            moment = parse_moment(body.rstrip("T"), "dateTime" if "T" in body else "date")
        if moment is None:
            raise EvaluationError("not a valid date or time")
        return _literal(moment)
    if kind == "QuantityLiteral":
        found = _QUANTITY_LITERAL.fullmatch(text)
        if found is None:
            raise EvaluationError("not a valid quantity")
        number, unit = found.groups()
        unit = _unescape(unit[1:-1]) if unit.startswith("'") else unit
        return _literal(Quantity(Decimal(number), unit or "1"))
    raise EvaluationError(f"{kind} is not supported")


#: A quantity literal's text as the parser gives it (spaces dropped): ``4days``, ``5'mg'``.
_QUANTITY_LITERAL: Final = re.compile(r"(\d+(?:\.\d+)?)('(?:[^'\\]|\\.)*'|[a-z]*)")
_ESCAPES: Final = {
    "'": "'",
    '"': '"',
    "`": "`",
    "\\": "\\",
    "/": "/",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}
_ESCAPE: Final = re.compile(r"\\(u[0-9a-fA-F]{4}|.)")


def _unescape(text: str) -> str:
    def replace(found: re.Match[str]) -> str:
        code = found.group(1)
        if code.startswith("u") and len(code) == 5:
            return chr(int(code[1:], 16))
        return _ESCAPES.get(code, code)

    return _ESCAPE.sub(replace, text)


#: The environment variables of FHIR (R4 fhirpath.html section 2.1.9.2) besides those given.
_FHIR_CONSTANT_PREFIXES: Final = {
    "vs-": "http://hl7.org/fhir/ValueSet/",
    "ext-": "http://hl7.org/fhir/StructureDefinition/",
}


def _external_constant(tree: Mapping[str, Any]) -> Expression:
    (constant,) = tree["children"]
    (name_tree,) = constant["children"]
    name = _identifier(name_tree)
    if name_tree["type"] == "StringLiteral" or name.startswith("'"):
        name = _unescape(name.strip("'"))
    for prefix, base in _FHIR_CONSTANT_PREFIXES.items():
        if name.startswith(prefix):
            return _literal(base + name[len(prefix) :])

    return lambda scope: scope.environment.variable(name)


def _parenthesized(tree: Mapping[str, Any]) -> Expression:
    (inner,) = tree["children"]
    return _expression(inner)


def _binary(tree: Mapping[str, Any]) -> Expression:
    left_tree, right_tree = tree["children"]
    operator = tree["terminalNodeText"][0]
    left, right = _expression(left_tree), _expression(right_tree)
    logic = _LOGIC.get(operator)
    if logic is not None:

        def connect(scope: Scope) -> list[Any]:
            result = logic(_boolean(left(scope)), lambda: _boolean(right(scope)))
            return _EMPTY if result is None else _TRUE if result else _FALSE

        return connect
    apply = _BINARY.get(operator)
    if apply is None:
        raise EvaluationError(f"operator {operator} is not supported")
    return lambda scope: apply(left(scope), right(scope))


def _polarity(tree: Mapping[str, Any]) -> Expression:
    (inner_tree,) = tree["children"]
    inner = _expression(inner_tree)
    if tree["terminalNodeText"][0] == "+":
        return inner

    def negate(scope: Scope) -> list[Any]:
        value = _single(inner(scope), "-")
        if value is None:
            return _EMPTY
        if isinstance(value, bool) or not isinstance(value, (int, Decimal, Quantity)):
            raise EvaluationError("- applies to numbers")
        return [Quantity(-value.value, value.unit) if isinstance(value, Quantity) else -value]

    return negate


def _indexer(tree: Mapping[str, Any]) -> Expression:
    source_tree, index_tree = tree["children"]
    source, index = _expression(source_tree), _expression(index_tree)

    def pick(scope: Scope) -> list[Any]:
        items = source(scope)
        position = _integer(index(scope), "an index")
        if position is None or not 0 <= position < len(items):
            return _EMPTY
        return [items[position]]

    return pick


def _type_expression(tree: Mapping[str, Any]) -> Expression:
    source_tree, specifier = tree["children"]
    source = _expression(source_tree)
    if tree["terminalNodeText"][0] == "is":
        test = _type_test(_text(specifier))
        return lambda scope: _is_function(source(scope), test, scope.types)
    exact = _type_test(_text(specifier), exact_primitives=True)
    return lambda scope: _of_type(source(scope), exact, scope.types)


_EXPRESSIONS: Final[Mapping[str, Callable[[Mapping[str, Any]], Expression]]] = {
    "TermExpression": _term,
    "InvocationTerm": _invocation_term,
    "LiteralTerm": _literal_term,
    "ExternalConstantTerm": _external_constant,
    "ParenthesizedTerm": _parenthesized,
    "InvocationExpression": _invocation_expression,
    "IndexerExpression": _indexer,
    "PolarityExpression": _polarity,
    "MultiplicativeExpression": _binary,
    "AdditiveExpression": _binary,
    "UnionExpression": _binary,
    "InequalityExpression": _binary,
    "EqualityExpression": _binary,
    "MembershipExpression": _binary,
    "AndExpression": _binary,
    "OrExpression": _binary,
    "ImpliesExpression": _binary,
    "TypeExpression": _type_expression,
}


# --- functions --------------------------------------------------------------------------------


def _function(name: str, arguments: list[Any]) -> Invocation:
    compiler = _FUNCTIONS.get(name)
    if compiler is None:

        def user_function(items: list[Any], scope: Scope) -> list[Any]:
            function = scope.environment.functions.get(name)
            if function is None:
                raise EvaluationError(f"{name}() is not supported")
            return function(scope, items, *(argument(scope) for argument in compiled))

        compiled = [_expression(argument) for argument in arguments]
        return user_function
    arity, build = compiler
    if len(arguments) not in arity:
        raise EvaluationError(f"{name}() takes {arity} arguments")
    return build(arguments)


def _on_items(test: Callable[[list[Any]], Any]) -> Compiler:
    """A function of its whole input and no arguments."""

    def build(arguments: list[Any]) -> Invocation:
        return lambda items, scope: test(items)

    return build


def _on_value(apply: Callable[..., Any], *, strings: bool = False) -> Compiler:
    """A function of its single input value and its arguments' single values; empty -> empty."""

    def build(arguments: list[Any]) -> Invocation:
        compiled = [_expression(argument) for argument in arguments]

        def invoke(items: list[Any], scope: Scope) -> list[Any]:
            value = _single(items, "the function")
            if value is None:
                return _EMPTY
            if strings and not isinstance(value, str):
                raise EvaluationError("a string function applied to something else")
            values = []
            for argument in compiled:
                given = _single(argument(scope), "an argument")
                if given is None:
                    return _EMPTY
                values.append(given)
            result = apply(value, *values)
            if result is None:
                return _EMPTY
            return result if isinstance(result, list) else [result]

        return invoke

    return build


def _per_item(combine: Callable[[list[Any], list[list[Any]], Scope], list[Any]]) -> Compiler:
    """A function whose argument is evaluated for each input item (``$this`` is the item)."""

    def build(arguments: list[Any]) -> Invocation:
        criterion = _expression(arguments[0]) if arguments else None

        def invoke(items: list[Any], scope: Scope) -> list[Any]:
            if criterion is None:
                return combine(items, [[item] for item in items], scope)
            results = [criterion(scope.item(item, index)) for index, item in enumerate(items)]
            return combine(items, results, scope)

        return invoke

    return build


def _where(items: list[Any], results: list[list[Any]], scope: Scope) -> list[Any]:
    return [item for item, result in zip(items, results, strict=True) if _boolean(result) is True]


def _select(items: list[Any], results: list[list[Any]], scope: Scope) -> list[Any]:
    return [found for result in results for found in result]


def _all(items: list[Any], results: list[list[Any]], scope: Scope) -> list[Any]:
    return [all(_boolean(result) is True for result in results)]


def _exists(items: list[Any], results: list[list[Any]], scope: Scope) -> list[Any]:
    return [any(_boolean(result) is True for result in results)]


def _exists_function(arguments: list[Any]) -> Invocation:
    if not arguments:
        return lambda items, scope: _TRUE if items else _FALSE
    return _per_item(_exists)(arguments)


#: How many new values (not elements of the data, which are finite) ``repeat()`` may compute.
#: N1 repeats "until no new items are found", which an expression computing a new value every time
#: (``'a'.repeat($this + 'a')``) never reaches; past this count the constraint is "cannot evaluate".
_REPEAT_COMPUTED_MAX: Final = 1_000


def _repeat(arguments: list[Any]) -> Invocation:
    projection = _expression(arguments[0])

    def invoke(items: list[Any], scope: Scope) -> list[Any]:
        found: list[Any] = []
        seen: set[int] = set()
        computed = 0
        level = items
        while level:
            below = []
            for index, item in enumerate(level):
                for result in projection(scope.item(item, index)):
                    key = (
                        id(result.data)
                        if isinstance(result, Element) and isinstance(result.data, (Mapping, list))
                        else None
                    )
                    if key is not None:
                        if key in seen:
                            continue
                        seen.add(key)
                    elif _contains_value(found, value_of(result)):
                        continue
                    else:
                        computed += 1
                        if computed > _REPEAT_COMPUTED_MAX:
                            raise EvaluationError("repeat() computed too many new values")
                    found.append(result)
                    below.append(result)
            level = below
        return found

    return invoke


def _aggregate(arguments: list[Any]) -> Invocation:
    aggregator = _expression(arguments[0])
    initial = _expression(arguments[1]) if len(arguments) > 1 else None

    def invoke(items: list[Any], scope: Scope) -> list[Any]:
        total: list[Any] = initial(scope) if initial is not None else _EMPTY
        for index, item in enumerate(items):
            step = Scope([item], scope.environment, scope.types, index, total)
            total = aggregator(step)
        return total

    return invoke


def _iif(arguments: list[Any]) -> Invocation:
    criterion, then = _expression(arguments[0]), _expression(arguments[1])
    otherwise = _expression(arguments[2]) if len(arguments) > 2 else None

    def invoke(items: list[Any], scope: Scope) -> list[Any]:
        if len(items) > 1:
            raise EvaluationError("iif() on a collection")
        # the arguments see the input as $this (an empty input too: ctm-1's iif(empty(), ...))
        inner = Scope(items, scope.environment, scope.types, scope.index, scope.total)
        condition = criterion(inner)
        if condition and not isinstance(value_of(condition[0]), bool):
            raise EvaluationError("iif() needs a Boolean criterion")
        if _boolean(condition) is True:
            return then(inner)
        return otherwise(inner) if otherwise is not None else _EMPTY

    return invoke


def _with_collection(combine: Callable[[list[Any], list[Any]], list[Any]]) -> Compiler:
    """A function of its input and one collection argument, evaluated in the enclosing scope."""

    def build(arguments: list[Any]) -> Invocation:
        other = _expression(arguments[0])
        return lambda items, scope: combine(items, other(scope))

    return build


def _type_function(
    keep: Callable[[list[Any], Callable[[Any, FhirTypes], bool], FhirTypes], list[Any]], *, exact: bool = True
) -> Compiler:
    def build(arguments: list[Any]) -> Invocation:
        test = _type_test(_specifier_text(arguments[0]), exact_primitives=exact)
        return lambda items, scope: keep(items, test, scope.types)

    return build


def _specifier_text(tree: Mapping[str, Any]) -> str:
    """The type name written as a function argument (``ofType(Quantity)``, ``as(FHIR.string)``)."""
    text = tree.get("text")
    if isinstance(text, str) and re.fullmatch(r"[A-Za-z_`][\w.`]*", text):
        return text
    raise EvaluationError("a type name is expected")


def _of_type(items: list[Any], test: Callable[[Any, FhirTypes], bool], types: FhirTypes) -> list[Any]:
    return [item for item in items if test(item, types)]


def _is_function(items: list[Any], test: Callable[[Any, FhirTypes], bool], types: FhirTypes) -> list[Any]:
    if not items:
        return _EMPTY
    if len(items) > 1:
        raise EvaluationError("is() on a collection")
    return [test(items[0], types)]


def _type_of(items: list[Any]) -> list[Any]:
    """type() (N1 section 6.5): each item's type as an object with ``namespace`` and ``name``."""
    found: list[Any] = []
    for item in items:
        if isinstance(item, Element):
            if item.type is None:
                continue
            info = {"namespace": "FHIR", "name": item.type}
        else:
            name = _system_type(item)
            if name is None:
                continue
            info = {"namespace": "System", "name": name}
        found.append(Element(info, None, None))
    return found


def _subset(items: list[Any], other: list[Any]) -> list[Any]:
    return [all(_contains_value(other, value) for value in _values(items))]


def _intersect(items: list[Any], other: list[Any]) -> list[Any]:
    return [item for item in _distinct(items) if _contains_value(other, value_of(item))]


def _exclude(items: list[Any], other: list[Any]) -> list[Any]:
    return [item for item in items if not _contains_value(other, value_of(item))]


def _first(items: list[Any]) -> list[Any]:
    return items[:1]


def _single_function(items: list[Any]) -> list[Any]:
    if len(items) > 1:
        raise EvaluationError("single() on a collection of more than one")
    return items


def _truth(items: list[Any], wanted: bool, every: bool) -> list[Any]:
    values = _values(items)
    if any(not isinstance(value, bool) for value in values):
        raise EvaluationError("a collection of Booleans is expected")
    matches = (value is wanted for value in values)
    return [all(matches) if every else any(matches)]


def _not(items: list[Any]) -> list[Any]:
    value = _boolean(items)
    return _EMPTY if value is None else [not value]


def _count(items: list[Any]) -> list[Any]:
    return [len(items)]


def _skip_or_take(skip: bool) -> Compiler:
    def build(arguments: list[Any]) -> Invocation:
        number = _expression(arguments[0])

        def invoke(items: list[Any], scope: Scope) -> list[Any]:
            count = _integer(number(scope), "skip()/take()")
            if count is None:
                return _EMPTY if not skip else items
            count = max(count, 0)
            return items[count:] if skip else items[:count]

        return invoke

    return build


def _children_function(arguments: list[Any]) -> Invocation:
    def invoke(items: list[Any], scope: Scope) -> list[Any]:
        children = scope.types.children
        return [child for item in items if isinstance(item, Element) for child in children(item)]

    return invoke


def _descendants_function(arguments: list[Any]) -> Invocation:
    def invoke(items: list[Any], scope: Scope) -> list[Any]:
        return descendants(items, scope.types)

    return invoke


def descendants(items: list[Any], types: FhirTypes) -> list[Any]:
    """Every element below *items*, level by level, each object walked once.

    A caller's dicts can contain themselves or be reached twice (JSON can do
    neither): such an object is listed each time it is met and walked below
    only once, so the walk ends and takes time in proportion to the data (a
    set of the objects walked, not each element's ancestors: data nested
    100,000 deep is one pass).
    """
    found: list[Any] = []
    level = [item for item in items if isinstance(item, Element)]
    walked = {id(item.data) for item in level if isinstance(item.data, dict)}
    while level:
        below = []
        for item in level:
            for child in types.children(item):
                found.append(child)
                data = child.data
                if isinstance(data, dict):
                    if id(data) in walked:
                        continue
                    walked.add(id(data))
                    below.append(child)
                elif child.extras is not None:
                    below.append(child)
        level = below
    return found


def _trace(arguments: list[Any]) -> Invocation:
    # Tracing goes nowhere: R4 constraints trace resource content, which a validator never prints.
    return lambda items, scope: items


def _clock(kind: str) -> Compiler:
    def build(arguments: list[Any]) -> Invocation:
        def invoke(items: list[Any], scope: Scope) -> list[Any]:
            now = scope.clock()
            if kind == "today":
                text = now.date().isoformat()
            elif kind == "timeOfDay":
                text = now.time().isoformat(timespec="milliseconds")
            else:
                text = now.isoformat(timespec="milliseconds")
            moment = parse_moment(
                text, "date" if kind == "today" else "time" if kind == "timeOfDay" else "dateTime"
            )
            return [moment]

        return invoke

    return build


def _extension(arguments: list[Any]) -> Invocation:
    url = _expression(arguments[0])

    def invoke(items: list[Any], scope: Scope) -> list[Any]:
        wanted = _string(url(scope), "extension()")
        if wanted is None:
            return _EMPTY
        child = scope.types.child
        return [
            extension
            for item in items
            if isinstance(item, Element)
            for extension in child(item, "extension")
            if isinstance(extension.data, dict) and extension.data.get("url") == wanted
        ]

    return invoke


def _has_value(items: list[Any]) -> list[Any]:
    if len(items) != 1:
        return [False]
    item = items[0]
    if isinstance(item, Element):
        return [item.data is not None and not isinstance(item.data, (Mapping, list))]
    return [True]


#: How long one regular expression may run on one string.  Patterns come from users' packages
#: too, and a backtracking pattern (``^(a|aa)+$``) can take years on a short string; the
#: ``regex`` library stops at the deadline, and the constraint is then "cannot evaluate".
#: Real patterns on FHIR strings take microseconds.
_REGEX_SECONDS: Final = 0.5


def _regex(pattern: str) -> Any:  # a regex.Pattern (the library ships no type information)
    try:
        return regex.compile(pattern, regex.DOTALL)
    except regex.error:
        raise EvaluationError("a regular expression that cannot be read") from None


def _too_slow() -> EvaluationError:
    return EvaluationError(f"a regular expression ran for more than {_REGEX_SECONDS} s")


def _matches(value: str, pattern: Any) -> bool:
    if not isinstance(pattern, str):
        raise EvaluationError("matches() takes a string")
    try:
        return _regex(pattern).search(value, timeout=_REGEX_SECONDS) is not None
    except TimeoutError:
        raise _too_slow() from None


def _matches_full(value: str, pattern: Any) -> bool:
    if not isinstance(pattern, str):
        raise EvaluationError("matchesFull() takes a string")
    try:
        return _regex(pattern).fullmatch(value, timeout=_REGEX_SECONDS) is not None
    except TimeoutError:
        raise _too_slow() from None


def _replace_matches(value: str, pattern: Any, substitution: Any) -> str:
    if not isinstance(pattern, str) or not isinstance(substitution, str):
        raise EvaluationError("replaceMatches() takes strings")
    if not pattern:
        return value
    replacement = re.sub(r"\$(\d+)", r"\\\1", substitution.replace("\\", "\\\\"))
    try:
        return str(_regex(pattern).sub(replacement, value, timeout=_REGEX_SECONDS))
    except regex.error:  # $9 for a group the pattern does not have
        raise EvaluationError("a substitution naming a group the pattern does not have") from None
    except TimeoutError:
        raise _too_slow() from None


def _replace(value: str, pattern: Any, substitution: Any) -> str:
    if not isinstance(pattern, str) or not isinstance(substitution, str):
        raise EvaluationError("replace() takes strings")
    if not pattern:
        return substitution + substitution.join(value) + substitution
    return value.replace(pattern, substitution)


def _substring(arguments: list[Any]) -> Invocation:
    start = _expression(arguments[0])
    length = _expression(arguments[1]) if len(arguments) > 1 else None

    def invoke(items: list[Any], scope: Scope) -> list[Any]:
        value = _string(items, "substring()")
        begin = _integer(start(scope), "substring()")
        if value is None or begin is None or not 0 <= begin < len(value):
            return _EMPTY
        if length is None:
            return [value[begin:]]
        count = _integer(length(scope), "substring()")
        if count is None:
            return [value[begin:]]
        return [value[begin : begin + max(count, 0)]]

    return invoke


def _string_argument(apply: Callable[[str, str], Any]) -> Callable[[str, Any], Any]:
    def checked(value: str, argument: Any) -> Any:
        if not isinstance(argument, str):
            raise EvaluationError("a string argument is expected")
        return apply(value, argument)

    return checked


def _index_of(value: str, part: str) -> int:
    return value.find(part)


# conversions (N1 section 5.5)

_INTEGER_TEXT: Final = re.compile(r"[+-]?\d+")
_DECIMAL_TEXT: Final = re.compile(r"[+-]?\d+(\.\d+)?")
_QUANTITY_TEXT: Final = re.compile(r"([+-]?\d+(?:\.\d+)?)\s*(?:'([^']+)'|([a-zA-Z]+))?")
_TRUE_TEXT: Final = frozenset({"true", "t", "yes", "y", "1", "1.0"})
_FALSE_TEXT: Final = frozenset({"false", "f", "no", "n", "0", "0.0"})


def _to_boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return {1: True, 0: False}.get(value)
    if isinstance(value, Decimal):
        return True if value == 1 else False if value == 0 else None
    if isinstance(value, str):
        lowered = value.lower()
        return True if lowered in _TRUE_TEXT else False if lowered in _FALSE_TEXT else None
    return None


def _to_integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value):
        digits = value.lstrip("+-").lstrip("0") or "0"
        if len(digits) > 10:  # int() refuses thousands of digits; ten are enough for 2^31
            return None
        number = int(value[0] + digits if value[0] in "+-" else digits)
        return number if number in _INTEGER_RANGE else None  # N1 2.1.1: not an Integer
    return None


def _to_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value):
        return Decimal(value)
    return None


def _to_quantity(value: Any, unit: Any = None) -> Quantity | None:
    if isinstance(value, Quantity):
        quantity = value
    elif isinstance(value, bool):
        quantity = Quantity(Decimal(int(value)), "1")
    elif isinstance(value, (int, Decimal)):
        quantity = Quantity(Decimal(value), "1")
    elif isinstance(value, str) and (found := _QUANTITY_TEXT.fullmatch(value)):
        word = found.group(3)
        if word is not None and word not in _CALENDAR_WORDS:
            return None
        quantity = Quantity(Decimal(found.group(1)), found.group(2) or word or "1")
    else:
        return None
    if unit is not None and _unit(unit) != _unit(quantity.unit):
        return None
    return quantity


def _to_moment(kind: str) -> Callable[[Any], Moment | None]:
    def convert(value: Any) -> Moment | None:
        if isinstance(value, Moment):
            if value.kind == kind:
                return value
            if kind == "dateTime" and value.kind == "date":
                return Moment("dateTime", value.parts, None, value.text)
            if kind == "date" and value.kind == "dateTime":
                return Moment("date", value.parts[:3], None, value.text[:10])
            return None
        if isinstance(value, str):
            moment = parse_moment(value, kind)
            if moment is None and kind == "dateTime":
                moment = parse_moment(value, "date")
                return None if moment is None else Moment("dateTime", moment.parts, None, value)
            return moment
        return None

    return convert


def _converter(convert: Callable[..., Any], *, test: bool) -> Compiler:
    def apply(value: Any, *arguments: Any) -> Any:
        result = convert(value, *arguments)
        return result is not None if test else result

    return _on_value(apply)


def _conversions() -> dict[str, tuple[frozenset[int], Compiler]]:
    converters: dict[str, tuple[Callable[..., Any], frozenset[int]]] = {
        "Boolean": (_to_boolean, _NONE),
        "Integer": (_to_integer, _NONE),
        "Decimal": (_to_decimal, _NONE),
        "String": (_to_string, _NONE),
        "Quantity": (_to_quantity, _UP_TO_ONE),
        "Date": (_to_moment("date"), _NONE),
        "DateTime": (_to_moment("dateTime"), _NONE),
        "Time": (_to_moment("time"), _NONE),
    }
    table: dict[str, tuple[frozenset[int], Compiler]] = {}
    for name, (convert, arity) in converters.items():
        table["to" + name] = (arity, _converter(convert, test=False))
        table["convertsTo" + name] = (arity, _converter(convert, test=True))
    return table


# math (N1 section 5.7)


def _number(apply: Callable[[Decimal], Any], *, keep_integer: bool = False) -> Callable[[Any], Any]:
    def compute(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, Decimal, Quantity)):
            raise EvaluationError("a number is expected")
        if isinstance(value, Quantity):
            return Quantity(apply(value.value), value.unit)
        try:
            result = apply(Decimal(value))
        except (DecimalException, ValueError, OverflowError):
            return None  # a result that cannot be represented (exp() of a large number)
        if isinstance(result, Decimal) and not result.is_finite():
            return None  # ln(0)
        if keep_integer and isinstance(value, int) and isinstance(result, Decimal):
            return int(result)
        return result

    return compute


def _power(value: Any, exponent: Any) -> Any:
    if isinstance(value, bool) or isinstance(exponent, bool):
        raise EvaluationError("power() of numbers")
    try:
        result = Decimal(value) ** Decimal(exponent)
    except (DecimalException, ZeroDivisionError):
        return None  # N1 5.7.9: "If the power cannot be represented", the result is empty
    if not result.is_finite():
        return None
    if isinstance(value, int) and isinstance(exponent, int):
        return int(result) if _INTEGER_RANGE.start <= result < _INTEGER_RANGE.stop else None
    return result


def _round(value: Any, places: Any = 0) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or not isinstance(places, int):
        raise EvaluationError("round() of a number")
    number = Decimal(value)
    if places >= _places(number):
        return number  # nothing below that precision to round away
    # the rounded number has at most one digit more than the number: hold them all (no Decimal
    # context default of 28 digits)
    with localcontext() as context:
        context.prec = max(context.prec, len(number.as_tuple().digits) + 1)
        return number.quantize(Decimal(1).scaleb(-places), rounding="ROUND_HALF_UP")


def _log(value: Any, base: Any) -> Any:
    if isinstance(value, bool) or isinstance(base, bool):
        raise EvaluationError("log() of numbers")
    try:
        result = Decimal(value).ln() / Decimal(base).ln()
    except (DecimalException, ZeroDivisionError):
        return None
    return result if result.is_finite() else None


_NONE: Final = frozenset({0})
_ONE: Final = frozenset({1})
_UP_TO_ONE: Final = frozenset({0, 1})
_TWO: Final = frozenset({2})


def _sqrt(value: Decimal) -> Decimal | None:
    return value.sqrt() if value >= 0 else None


_FUNCTIONS: Final[Mapping[str, tuple[frozenset[int], Compiler]]] = {
    # existence (N1 5.1)
    "empty": (_NONE, _on_items(lambda items: _FALSE if items else _TRUE)),
    "exists": (_UP_TO_ONE, _exists_function),
    "all": (_ONE, _per_item(_all)),
    "allTrue": (_NONE, _on_items(lambda items: _truth(items, True, True))),
    "anyTrue": (_NONE, _on_items(lambda items: _truth(items, True, False))),
    "allFalse": (_NONE, _on_items(lambda items: _truth(items, False, True))),
    "anyFalse": (_NONE, _on_items(lambda items: _truth(items, False, False))),
    "subsetOf": (_ONE, _with_collection(_subset)),
    "supersetOf": (_ONE, _with_collection(lambda items, other: _subset(other, items))),
    "count": (_NONE, _on_items(_count)),
    "distinct": (_NONE, _on_items(_distinct)),
    "isDistinct": (_NONE, _on_items(lambda items: [len(_distinct(items)) == len(_values(items))])),
    # filtering and projection (N1 5.2)
    "where": (_ONE, _per_item(_where)),
    "select": (_ONE, _per_item(_select)),
    "repeat": (_ONE, _repeat),
    "ofType": (_ONE, _type_function(_of_type)),
    # subsetting (N1 5.3)
    "single": (_NONE, _on_items(_single_function)),
    "first": (_NONE, _on_items(_first)),
    "last": (_NONE, _on_items(lambda items: items[-1:])),
    "tail": (_NONE, _on_items(lambda items: items[1:])),
    "skip": (_ONE, _skip_or_take(True)),
    "take": (_ONE, _skip_or_take(False)),
    "intersect": (_ONE, _with_collection(_intersect)),
    "exclude": (_ONE, _with_collection(_exclude)),
    # combining (N1 5.4)
    "union": (_ONE, _with_collection(_union)),
    "combine": (_ONE, _with_collection(lambda items, other: items + other)),
    # conversion (N1 5.5)
    "iif": (frozenset({2, 3}), _iif),
    **_conversions(),
    # strings (N1 5.6)
    "indexOf": (_ONE, _on_value(_string_argument(_index_of), strings=True)),
    "substring": (frozenset({1, 2}), _substring),
    "startsWith": (_ONE, _on_value(_string_argument(str.startswith), strings=True)),
    "endsWith": (_ONE, _on_value(_string_argument(str.endswith), strings=True)),
    "contains": (_ONE, _on_value(_string_argument(lambda value, part: part in value), strings=True)),
    "upper": (_NONE, _on_value(str.upper, strings=True)),
    "lower": (_NONE, _on_value(str.lower, strings=True)),
    "replace": (_TWO, _on_value(_replace, strings=True)),
    "matches": (_ONE, _on_value(_matches, strings=True)),
    "matchesFull": (_ONE, _on_value(_matches_full, strings=True)),
    "replaceMatches": (_TWO, _on_value(_replace_matches, strings=True)),
    "length": (_NONE, _on_value(len, strings=True)),
    "toChars": (_NONE, _on_value(list, strings=True)),
    "trim": (_NONE, _on_value(str.strip, strings=True)),
    # math (N1 5.7)
    "abs": (_NONE, _on_value(_number(abs, keep_integer=True))),
    "ceiling": (_NONE, _on_value(_number(lambda value: int(value.to_integral_value("ROUND_CEILING"))))),
    "floor": (_NONE, _on_value(_number(lambda value: int(value.to_integral_value("ROUND_FLOOR"))))),
    "truncate": (_NONE, _on_value(_number(lambda value: int(value)))),
    "exp": (_NONE, _on_value(_number(Decimal.exp))),
    "ln": (_NONE, _on_value(_number(Decimal.ln))),
    "sqrt": (_NONE, _on_value(_number(_sqrt))),
    "log": (_ONE, _on_value(_log)),
    "power": (_ONE, _on_value(_power)),
    "round": (_UP_TO_ONE, _on_value(_round)),
    # tree navigation (N1 5.8)
    "children": (_NONE, _children_function),
    "descendants": (_NONE, _descendants_function),
    # utility (N1 5.9)
    "trace": (frozenset({1, 2}), _trace),
    "now": (_NONE, _clock("now")),
    "today": (_NONE, _clock("today")),
    "timeOfDay": (_NONE, _clock("timeOfDay")),
    "not": (_NONE, _on_items(_not)),
    # types (N1 6.3), written as functions
    "is": (_ONE, _type_function(_is_function, exact=False)),
    "type": (_NONE, _on_items(_type_of)),
    "as": (_ONE, _type_function(_of_type)),
    # FHIR's additions (R4 fhirpath.html section 2.1.9.1)
    "extension": (_ONE, _extension),
    "hasValue": (_NONE, _on_items(_has_value)),
    "aggregate": (frozenset({1, 2}), _aggregate),
}
