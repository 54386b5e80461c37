"""FHIR XML: read it into the FHIR JSON form, and write that form as FHIR XML.

Both directions are driven by the R4 definitions (the shipped structure model): an
element that may repeat becomes a JSON array, primitives get their JSON types
(``boolean``, the integer types as ``int``, ``decimal`` as :class:`decimal.Decimal`
so that ``1.50`` stays ``1.50``), a primitive's ``id`` and extensions go to
``_name`` (arrays padded with ``null`` as FHIR JSON requires), choices keep their
typed names, contained resources and ``Bundle.entry.resource`` are resources, and
the narrative ``div`` is XHTML text with its namespace.  Comments and processing
instructions are ignored.

>>> from nhsstd.fhir import xml
>>> resource = xml.loads(
...     '<Patient xmlns="http://hl7.org/fhir"><id value="p1"/>'
...     '<name><given value="Ann"/><given id="g2"><extension url="http://example.org/x">'
...     '<valueBoolean value="true"/></extension></given></name>'
...     '<multipleBirthInteger value="2"/></Patient>')
>>> resource == {
...     "resourceType": "Patient", "id": "p1",
...     "name": [{"given": ["Ann", None], "_given": [None, {"id": "g2", "extension": [
...         {"url": "http://example.org/x", "valueBoolean": True}]}]}],
...     "multipleBirthInteger": 2}
True
>>> xml.dumps(resource) == (
...     '<Patient xmlns="http://hl7.org/fhir"><id value="p1"/>'
...     '<name><given value="Ann"/><given id="g2"><extension url="http://example.org/x">'
...     '<valueBoolean value="true"/></extension></given></name>'
...     '<multipleBirthInteger value="2"/></Patient>')
True

Reading is safe on hostile input: a DTD (and so any entity declaration, the "billion
laughs" and external entities), nesting deeper than ``max_depth`` and documents larger
than ``max_size`` are refused with a :class:`FHIRXMLError` before any work is done for
them.  Every problem of a document is reported at once, each with its JSON path, and
never with a value from the document.

>>> xml.loads('<?xml version="1.0"?><!DOCTYPE Patient [<!ENTITY a "x">]>'
...           '<Patient xmlns="http://hl7.org/fhir"/>')
Traceback (most recent call last):
  ...
nhsstd.fhir.xml.FHIRXMLError: FHIR XML: 1 problem
  $: line 1: a DTD is not allowed in FHIR XML
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final, Literal
from xml.parsers import expat

from nhsstd._serialisation import Problem, SerialisationError
from nhsstd.exceptions import Reason
from nhsstd.fhir._context import describe
from nhsstd.fhir._structure import ElementInfo, R4Model, r4_model

__all__ = ["FHIR_NAMESPACE", "MAX_DEPTH", "MAX_SIZE", "XHTML_NAMESPACE", "FHIRXMLError", "dumps", "loads"]

FHIR_NAMESPACE: Final = "http://hl7.org/fhir"
XHTML_NAMESPACE: Final = "http://www.w3.org/1999/xhtml"
#: The deepest element nesting read (the UK Core and HL7 test-case XML in tests/fixtures: 10).
MAX_DEPTH: Final = 128
#: The largest document read, in characters of text or bytes.
MAX_SIZE: Final = 64 * 1024 * 1024

_XML_NAMESPACE: Final = "http://www.w3.org/XML/1998/namespace"
# xsi:schemaLocation on the root names a schema for editors; it is not FHIR content.
_SCHEMA_LOCATION: Final = "http://www.w3.org/2001/XMLSchema-instance schemaLocation"
_FHIR: Final = FHIR_NAMESPACE + " "
_XHTML: Final = XHTML_NAMESPACE + " "
_SUBJECT: Final = "FHIR XML"
# Past this many problems the document is not FHIR XML worth reading on.
_MAX_PROBLEMS: Final = 100
_XML_WHITESPACE: Final = " \t\r\n"
# The value of a primitive whose lexical form was reported as a problem.
_INVALID: Final = object()

# The primitives whose JSON form is not a string, with their R4 lexical forms (datatypes.html).
_BOOLEANS: Final = {"true": True, "false": False}
_INTEGER_FORMS: Final = {
    "integer": re.compile(r"-?(?:0|[1-9][0-9]*)"),
    "positiveInt": re.compile(r"\+?[1-9][0-9]*"),
    "unsignedInt": re.compile(r"0|[1-9][0-9]*"),
}
_DECIMAL_FORM: Final = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
# Characters XML 1.0 cannot carry at all (section 2.2).
_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ATTRIBUTE_ESCAPES: Final = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}
)
_TEXT_ESCAPES: Final = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


class FHIRXMLError(SerialisationError):
    """A FHIR XML document could not be read (or a resource could not be written as XML).

    A :class:`~nhsstd.fhir.SerialisationError` (so a ``ValueError``): :attr:`problems`
    lists every problem with its JSON path; hostile input (DTDs, entities, too deep,
    too large) is one problem with the reason ``format`` or ``length``.
    """

    __module__ = "nhsstd.fhir.xml"


class _Refused(Exception):
    """Raised inside an expat handler to stop reading at once."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


# --- reading -----------------------------------------------------------------------------------

# What a frame of the reader's stack holds.
_COMPLEX: Final = 0  # a resource, data type or backbone element: children go to .json
_PRIMITIVE: Final = 1  # .value is its value; id and extensions go to .json (the "_name" object)
_RESOURCE_SLOT: Final = 2  # an element of type Resource (contained, Bundle.entry.resource)
_UNKNOWN: Final = 3  # an element the definitions do not have, kept generically
# The primitives whose JSON form is not a string.
_JSON_TYPED: Final = frozenset({"boolean", "decimal", *_INTEGER_FORMS})


class _Frame:
    """An open element: what it may hold, and the JSON built for it so far."""

    __slots__ = (
        "children",
        "choices",
        "element",
        "index",
        "json",
        "key",
        "kind",
        "parent",
        "unsettled",
        "value",
    )

    def __init__(
        self,
        kind: int,
        parent: _Frame | None,
        key: str,
        index: int,
        element: ElementInfo | None,
        children: Mapping[str, tuple[ElementInfo, str]] | None,
    ) -> None:
        self.kind = kind
        self.parent = parent
        self.key = key  # the JSON name in the parent ("" for a resource)
        self.index = index  # the position in the parent's array, -1 for a single element
        self.element = element
        self.children = children  # what may occur inside by XML name; None inside a resource slot
        self.json: dict[str, Any] = {}
        self.value: Any = None
        # a primitive array got an item without a value: drop arrays left with no value at all
        self.unsettled = False
        self.choices: dict[str, str] | None = None

    @property
    def path(self) -> str:
        """The JSON path, worked out only when a problem needs it."""
        steps = []
        frame: _Frame | None = self
        while frame is not None and frame.parent is not None:
            if frame.key:
                steps.append(f".{frame.key}[{frame.index}]" if frame.index >= 0 else f".{frame.key}")
            frame = frame.parent
        return "$" + "".join(reversed(steps))


class _Reader:
    """Turns expat's events into the FHIR JSON form, one frame per open element.

    expat calls the handlers of the current mode: the root handler first, then the FHIR
    element handlers; inside a narrative ``div`` the XHTML ones, inside an element being
    skipped (an unknown one, reported) the skipping ones.
    """

    def __init__(
        self,
        model: R4Model,
        keep_unknown: bool,
        require_namespace: bool,
        max_depth: int,
        encoding: str | None,
    ) -> None:
        self.model = model
        self.primitive_types = model.primitive_types
        self.keep_unknown = keep_unknown
        self.require_namespace = require_namespace
        self.max_depth = max_depth
        self.stack: list[_Frame] = []
        self.problems: list[Problem] = []
        self.result: dict[str, Any] | None = None
        self.depth = 0
        self.skipping = 0  # depth inside an element being skipped
        self.xhtml: _XhtmlWriter | None = None
        self.data = b""
        self.div_start = 0
        self.parser = _safe_parser(encoding, self._refuse_dtd)
        self.parser.StartElementHandler = self._start_root
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._text

    def read(self, data: bytes) -> dict[str, Any]:
        self.data = data
        try:
            self.parser.Parse(data, True)
        except _Refused as refused:
            self.problems.append(refused.problem)
        except expat.ExpatError as error:
            message = expat.ErrorString(error.code) if error.code is not None else "not well-formed"
            self.problems.append(Problem(self._path(), f"line {error.lineno}: {message}"))
        except LookupError:
            # expat asks Python's codecs for an encoding it does not know itself
            line = self.parser.CurrentLineNumber
            self.problems.append(Problem("$", f"line {line}: the XML declaration names an unknown encoding"))
        if self.problems:
            raise FHIRXMLError(_SUBJECT, self.problems)
        assert self.result is not None  # expat refuses a document without a root element
        return self.result

    # --- helpers ---

    def _path(self) -> str:
        return self.stack[-1].path if self.stack else "$"

    def _problem(self, frame: _Frame | None, message: str, reason: Reason = Reason.FORMAT) -> None:
        path = "$" if frame is None else frame.path
        self.problems.append(Problem(path, f"line {self.parser.CurrentLineNumber}: {message}", reason))
        if len(self.problems) >= _MAX_PROBLEMS:
            raise _Refused(Problem(path, f"more than {_MAX_PROBLEMS} problems: stopped reading"))

    def _refuse_dtd(self, *_: Any) -> None:
        line = self.parser.CurrentLineNumber
        raise _Refused(Problem(self._path(), f"line {line}: a DTD is not allowed in FHIR XML"))

    def _deeper(self) -> None:
        self.depth += 1
        if self.depth > self.max_depth:
            line = self.parser.CurrentLineNumber
            message = f"line {line}: nested deeper than {self.max_depth}"
            raise _Refused(Problem(self._path(), message, Reason.LENGTH))

    def _fhir_name(self, name: str) -> str:
        if not self.require_namespace and " " not in name:
            return _FHIR + name
        return name

    def _resource_frame(self, parent: _Frame | None, name: str, attributes: dict[str, str]) -> _Frame | None:
        resource_type = name[len(_FHIR) :] if name.startswith(_FHIR) else ""
        info = self.model.type(resource_type)
        if info is None or info.kind != "resource" or info.abstract:
            return None
        frame = _Frame(_COMPLEX, parent, "", -1, None, self.model.children(resource_type))
        frame.json["resourceType"] = resource_type
        for attribute in attributes:
            self._problem(frame, f"attribute {_local(attribute)} is not allowed here")
        return frame

    # --- FHIR elements ---

    def _start_root(self, name: str, attributes: dict[str, str]) -> None:
        self._deeper()
        attributes.pop(_SCHEMA_LOCATION, None)
        frame = self._resource_frame(None, self._fhir_name(name), attributes)
        if frame is None:
            raise _Refused(Problem("$", "the root element is not a FHIR resource in the FHIR namespace"))
        self.stack.append(frame)
        self.parser.StartElementHandler = self._start

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > self.max_depth:
            self.depth -= 1
            self._deeper()
        parent = self.stack[-1]
        children = parent.children
        found = children.get(name[len(_FHIR) :]) if children is not None and name.startswith(_FHIR) else None
        if found is None or found[0].xml_attribute or found[1] == "xhtml":
            # anything but a FHIR element where one may be: a resource, the narrative, an unknown element
            self._start_other(parent, name, attributes)
            return
        element, type_code = found
        key = name[len(_FHIR) :]
        if element.is_choice:
            choices = parent.choices if parent.choices is not None else {}
            parent.choices = choices
            if choices.setdefault(element.path, key) != key:
                self._problem(parent, f"element {key}: a choice has more than one type")
        json = parent.json
        if element.is_array:
            index = len(json.get(key, ()))
        else:
            index = -1
            if key in json or ("_" + key) in json:
                self._problem(parent, f"element {key} repeats; it may occur once")
        if type_code in self.primitive_types:
            frame = _Frame(_PRIMITIVE, parent, key, index, element, self.model.children(type_code))
            if attributes:
                text = attributes.pop("value", None)
                if text is not None:
                    frame.value = (
                        self._primitive(frame, type_code, text) if type_code in _JSON_TYPED else text
                    )
        elif type_code == "Resource":
            frame = _Frame(_RESOURCE_SLOT, parent, key, index, element, None)
        else:
            children = self.model.children(element.own_children or type_code)
            frame = _Frame(_COMPLEX, parent, key, index, element, children)
        if attributes:
            self._attributes(frame, attributes)
        self.stack.append(frame)

    def _start_other(self, parent: _Frame, name: str, attributes: dict[str, str]) -> None:
        fhir_name = self._fhir_name(name)
        if fhir_name is not name and parent.children is not None:
            self.depth -= 1  # counted already
            self._start(fhir_name, attributes)
            return
        name = fhir_name
        if parent.kind == _RESOURCE_SLOT:
            frame = self._resource_frame(parent, name, attributes)
            if frame is None:
                self._problem(parent, "holds an element that is not a FHIR resource")
                self._skip()
                return
            if parent.value is not None:
                self._problem(parent, "holds more than one resource")
            self.stack.append(frame)
        elif parent.kind == _UNKNOWN:
            self._keep(parent, name, attributes)
        elif name.startswith(_XHTML) and parent.children is not None:
            found = parent.children.get(name[len(_XHTML) :])
            if found is None or found[1] != "xhtml":
                self._unknown(parent, name, attributes)
                return
            key = name[len(_XHTML) :]
            if key in parent.json:
                self._problem(parent, f"element {key} repeats; it may occur once")
            self.xhtml = _XhtmlWriter(_Frame(_PRIMITIVE, parent, key, -1, found[0], None))
            self.div_start = self.parser.CurrentByteIndex
            self.xhtml.start(name, attributes)
            self.parser.StartElementHandler = self._start_xhtml
            self.parser.EndElementHandler = self._end_xhtml
            self.parser.CharacterDataHandler = self.xhtml.text
        elif self._is_attribute(parent, name):
            self._problem(parent, f"{_local(name)} must be an XML attribute, not an element")
            self._skip()
        else:
            self._unknown(parent, name, attributes)

    @staticmethod
    def _is_attribute(parent: _Frame, name: str) -> bool:
        found = (
            parent.children.get(name[len(_FHIR) :]) if parent.children and name.startswith(_FHIR) else None
        )
        return found is not None and found[0].xml_attribute

    def _attributes(self, frame: _Frame, attributes: dict[str, str]) -> None:
        allowed = frame.children
        for attribute, text in attributes.items():
            found = allowed.get(attribute) if allowed is not None else None
            if found is not None and found[0].xml_attribute and attribute != "value":
                frame.json[attribute] = text
            elif self.keep_unknown and frame.kind != _RESOURCE_SLOT:
                frame.json[_local(attribute)] = text
            else:
                self._problem(frame, f"attribute {_local(attribute)} is not allowed here")

    def _primitive(self, frame: _Frame, type_code: str, text: str) -> Any:
        if type_code == "boolean":
            value = _BOOLEANS.get(text)
            if value is not None:
                return value
            return self._misfit(frame, text, "a boolean must be true or false")
        form = _INTEGER_FORMS.get(type_code)
        if form is not None:
            if form.fullmatch(text) is not None:
                return int(text)
            return self._misfit(frame, text, f"not a valid {type_code}")
        if _DECIMAL_FORM.fullmatch(text) is not None:
            return Decimal(text)
        return self._misfit(frame, text, "not a valid decimal")

    def _misfit(self, frame: _Frame, text: str, message: str) -> Any:
        """A value that its type's JSON form cannot hold: kept as written, or reported."""
        if self.keep_unknown:
            return text
        self._problem(frame, message)
        return _INVALID

    def _unknown(self, parent: _Frame, name: str, attributes: dict[str, str]) -> None:
        if self.keep_unknown:
            self._keep(parent, name, attributes)
            return
        namespace = name.rpartition(" ")[0]
        where = "" if namespace in {FHIR_NAMESPACE, XHTML_NAMESPACE} else " (not in the FHIR namespace)"
        self._problem(parent, f"unknown element {_local(name)}{where}")
        self._skip()

    def _keep(self, parent: _Frame, name: str, attributes: dict[str, str]) -> None:
        frame = _Frame(_UNKNOWN, parent, _kept_name(name), -1, None, None)
        for attribute, text in attributes.items():
            frame.json[_local(attribute)] = text
        self.stack.append(frame)

    def _end(self, name: str) -> None:
        self.depth -= 1
        frame = self.stack.pop()
        if frame.unsettled:
            _settle(frame.json)
        kind = frame.kind
        if kind == _PRIMITIVE:
            self._put_primitive(frame)
            return
        parent = frame.parent
        if parent is None:
            self.result = frame.json
        elif kind == _COMPLEX:
            if parent.kind == _RESOURCE_SLOT:
                parent.value = frame.json
            else:
                _put(parent.json, frame.key, frame.element.is_array, frame.json)  # type: ignore[union-attr]
        elif kind == _RESOURCE_SLOT:
            if frame.value is None:
                self._problem(frame, "holds no resource")
            else:
                _put(parent.json, frame.key, frame.element.is_array, frame.value)  # type: ignore[union-attr]
        else:
            value: Any = frame.json
            if len(value) == 1 and "value" in value:
                value = value["value"]
            json = parent.json
            if frame.key in json:  # a kept unknown element that repeats: an array, as JSON has it
                if not isinstance(json[frame.key], list):
                    json[frame.key] = [json[frame.key]]
                json[frame.key].append(value)
            else:
                json[frame.key] = value

    def _put_primitive(self, frame: _Frame) -> None:
        """Put a primitive's value under its name and its id and extensions under "_name"."""
        value = frame.value
        extras = frame.json or None
        if value is _INVALID:  # reported already
            value = None
        elif value is None and extras is None:
            self._problem(frame, "has neither a value nor extensions")
        parent: _Frame = frame.parent  # type: ignore[assignment]
        json = parent.json
        key = frame.key
        if frame.index < 0:
            if value is not None:
                json[key] = value
            if extras is not None:
                json["_" + key] = extras
            return
        # arrays: "name" and "_name" have one entry per item, padded with null (json.html)
        values = json.get(key)
        if values is None:
            values = json[key] = []
        companions = json.get("_" + key)
        if extras is not None and companions is None:
            companions = json["_" + key] = [None] * len(values)
        values.append(value)
        if companions is not None:
            companions.append(extras)
        if value is None:
            parent.unsettled = True

    def _text(self, data: str) -> None:
        if data.strip(_XML_WHITESPACE):
            self._problem(self.stack[-1], "text is not allowed here: FHIR values are in value attributes")

    # --- skipping an element ---

    def _skip(self) -> None:
        self.skipping = 1
        self.parser.StartElementHandler = self._start_skipped
        self.parser.EndElementHandler = self._end_skipped
        self.parser.CharacterDataHandler = _ignore

    def _start_skipped(self, name: str, attributes: dict[str, str]) -> None:
        self._deeper()
        self.skipping += 1

    def _end_skipped(self, name: str) -> None:
        self.depth -= 1
        self.skipping -= 1
        if not self.skipping:
            self._resume()

    def _resume(self) -> None:
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._text

    # --- the narrative ---

    def _start_xhtml(self, name: str, attributes: dict[str, str]) -> None:
        self._deeper()
        self.xhtml.start(name, attributes)  # type: ignore[union-attr]

    def _end_xhtml(self, name: str) -> None:
        self.depth -= 1
        writer: _XhtmlWriter = self.xhtml  # type: ignore[assignment]
        if writer.end(name):
            self.xhtml = None
            self._resume()
            frame = writer.frame
            for message in writer.problems:
                self._problem(frame, message)
            canonical = "".join(writer.parts)
            written = self._as_written(writer.empty)
            if written is None or _canonical_xhtml(written)[0] != canonical:
                written = canonical  # namespaces declared outside the div, or not UTF-8
            frame.parent.json[frame.key] = written  # type: ignore[union-attr]

    def _as_written(self, empty: bool) -> str | None:
        """The div as the document has it (expat reports where its tags start)."""
        end = self.parser.CurrentByteIndex  # after an empty-element tag, at the start of an end tag
        if not (empty and self.data[end - 2 : end] == b"/>"):
            end = self.data.find(b">", end) + 1
        written = self.data[self.div_start : end]
        if not written.startswith(b"<div"):
            return None
        try:
            return written.decode("utf-8")
        except UnicodeDecodeError:
            return None


def _put(json: dict[str, Any], key: str, is_array: bool, value: Any) -> None:
    if not is_array:
        json[key] = value
        return
    items = json.get(key)
    if items is None:
        json[key] = [value]
    else:
        items.append(value)


def _settle(json: dict[str, Any]) -> None:
    """Drop the primitive arrays that hold no value at all (only their "_name" is written)."""
    for key in [
        key for key, value in json.items() if type(value) is list and value.count(None) == len(value)
    ]:
        if "_" + key in json:
            del json[key]


def _ignore(data: str) -> None:
    """Text inside a skipped element is not looked at."""


class _XhtmlWriter:
    """Writes the narrative ``div`` read by expat back as XHTML text, in one canonical form."""

    def __init__(self, frame: _Frame | None) -> None:
        self.frame: _Frame = frame  # type: ignore[assignment]
        self.parts: list[str] = []
        self.depth = 0
        self.open = False  # the last start tag still lacks its ">"
        self.empty = True  # the div holds nothing
        self.problems: list[str] = []

    def start(self, name: str, attributes: dict[str, str]) -> None:
        namespace, _, local = name.rpartition(" ")
        if namespace != XHTML_NAMESPACE:
            self.problems.append(f"element {local} is not XHTML")
        if self.open:
            self.parts.append(">")
        if self.depth:
            self.empty = False
        self.parts.append("<" + local)
        if self.depth == 0:
            self.parts.append(f' xmlns="{XHTML_NAMESPACE}"')
        for attribute, text in attributes.items():
            namespace, _, attribute_name = attribute.rpartition(" ")
            if namespace == _XML_NAMESPACE:
                attribute_name = "xml:" + attribute_name
            elif namespace:
                self.problems.append(f"attribute {attribute_name} is in a namespace other than XHTML")
            self.parts.append(f' {attribute_name}="{text.translate(_ATTRIBUTE_ESCAPES)}"')
        self.open = True
        self.depth += 1

    def text(self, data: str) -> None:
        self.empty = False
        if self.open:
            self.parts.append(">")
            self.open = False
        self.parts.append(data.translate(_TEXT_ESCAPES))

    def end(self, name: str) -> bool:
        """Close an element; True when the ``div`` itself is closed."""
        self.depth -= 1
        if self.open:
            self.parts.append("/>")
            self.open = False
        else:
            self.parts.append(f"</{name.rpartition(' ')[2]}>")
        return not self.depth


def _safe_parser(encoding: str | None, refuse: Any) -> Any:
    """An expat parser that calls ``refuse`` on any DTD, entity declaration or external entity.

    These are the defences of defusedxml (``forbid_dtd``, ``forbid_entities``,
    ``forbid_external``): FHIR XML has no DTD, so refusing the DTD itself rules out
    entity expansion ("billion laughs") and external fetches; an undeclared entity
    reference is then a well-formedness error of expat's own.
    """
    parser = expat.ParserCreate(encoding, " ")
    parser.buffer_text = True
    parser.specified_attributes = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    return parser


def _local(name: str) -> str:
    return name.rpartition(" ")[2]


def _kept_name(name: str) -> str:
    """The JSON key of an unknown element kept for validation.

    An element in the FHIR namespace keeps its local name; any other (another namespace, or
    none) is keyed ``{namespace}local``, which no FHIR element name can match, so that a
    validator reports it as unknown instead of reading ``<x:family>`` as ``family``.
    """
    namespace, _, local = name.rpartition(" ")
    return local if namespace == FHIR_NAMESPACE else f"{{{namespace}}}{local}"


def loads(
    text: str | bytes,
    *,
    unknown: Literal["error", "keep"] = "error",
    require_namespace: bool = True,
    max_depth: int = MAX_DEPTH,
    max_size: int = MAX_SIZE,
) -> dict[str, Any]:
    """Read a FHIR XML resource into its FHIR JSON form (a ``dict``).

    :param text: the document, as text or as bytes in the encoding its XML declaration names.
    :param unknown: what to do with an element or attribute the R4 definitions do not have:
        ``"error"`` (the default, as FHIR requires unknown content to be rejected) reports it;
        ``"keep"`` keeps it in the JSON under its own name (a ``value`` attribute alone as a
        string, anything else as an object, repeats as an array), and keeps a value its
        type's JSON form cannot hold (``value="yes"`` on a boolean) as the string written,
        so that a validator can report each where it is.
    :param require_namespace: ``False`` reads elements in no namespace as FHIR elements
        (seven UK Core 2.0.2 examples omit ``xmlns="http://hl7.org/fhir"``, which FHIR XML
        requires: "FHIR elements are always in the namespace http://hl7.org/fhir").
    :param max_depth: the deepest element nesting accepted.
    :param max_size: the largest document accepted (characters or bytes).
    :raises FHIRXMLError: with every problem found; hostile input stops reading at once.

    >>> from nhsstd.fhir.xml import loads
    >>> loads(b'<Observation xmlns="http://hl7.org/fhir"><status value="final"/>'
    ...       b'<code><text value="weight"/></code>'
    ...       b'<valueQuantity><value value="72.50"/><unit value="kg"/></valueQuantity>'
    ...       b'</Observation>')["valueQuantity"]
    {'value': Decimal('72.50'), 'unit': 'kg'}
    >>> loads('<Patient xmlns="http://hl7.org/fhir"><nhsNumber value="9434765919"/></Patient>')
    Traceback (most recent call last):
      ...
    nhsstd.fhir.xml.FHIRXMLError: FHIR XML: 1 problem
      $: line 1: unknown element nhsNumber
    """
    if unknown not in ("error", "keep"):
        raise ValueError('unknown must be "error" or "keep"')
    return _read(_Reader, text, unknown == "keep", require_namespace, max_depth, max_size)[0]


def _read(
    reader_class: type[_Reader], text: str | bytes, keep_unknown: bool, require_namespace: bool,
    max_depth: int, max_size: int,
) -> tuple[dict[str, Any], _Reader]:  # fmt: skip
    """Read a document with a reader of *reader_class*: the resource, and the reader that read it."""
    if not isinstance(text, (str, bytes)):
        raise FHIRXMLError(_SUBJECT, [Problem("$", f"expected XML text or bytes, got {describe(text)}")])
    if len(text) > max_size:
        raise FHIRXMLError(
            _SUBJECT, [Problem("$", f"the document is larger than {max_size} characters", Reason.LENGTH)]
        )
    if isinstance(text, str):
        # Text has no encoding left to declare: it is read as UTF-8 whatever the declaration says.
        reader = reader_class(r4_model(), keep_unknown, require_namespace, max_depth, "UTF-8")
        return reader.read(text.encode("utf-8", "surrogatepass")), reader
    reader = reader_class(r4_model(), keep_unknown, require_namespace, max_depth, None)
    return reader.read(text), reader


class _OrderReader(_Reader):
    """A reader that also notes every element out of the order of the definitions.

    FHIR R4 XML (xml.html): "elements must appear in the order specified in the
    definitions", each repeating element's items together.  :func:`loads` does not
    check this (the JSON form has no order, and most callers only read); the
    conformance validator reads XML with this reader and reports what it noted.
    ``out_of_order`` holds the JSON path of each element that comes after one
    the definitions put after it.
    """

    def __init__(
        self,
        model: R4Model,
        keep_unknown: bool,
        require_namespace: bool,
        max_depth: int,
        encoding: str | None,
    ) -> None:
        super().__init__(model, keep_unknown, require_namespace, max_depth, encoding)
        self.out_of_order: list[str] = []
        # the definition order of the last child read, for each open element with children
        self._last_order: dict[_Frame, int] = {}

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        parent = self.stack[-1]
        children = parent.children
        namespace, _, key = name.rpartition(" ")
        # FHIR elements, and the narrative's div; anything else is reported as unknown, not here
        ours = namespace == FHIR_NAMESPACE or (namespace == XHTML_NAMESPACE and key == "div")
        found = children.get(key) if ours and children is not None else None
        if found is not None and not found[0].xml_attribute:
            order = found[0].order
            if order < self._last_order.get(parent, -1):
                index = len(parent.json.get(key, ())) if found[0].is_array else -1
                self.out_of_order.append(
                    f"{parent.path}.{key}[{index}]" if index >= 0 else f"{parent.path}.{key}"
                )
            else:
                self._last_order[parent] = order
        super()._start(name, attributes)

    def _end(self, name: str) -> None:
        self._last_order.pop(self.stack[-1], None)
        super()._end(name)


def _loads_noting_order(text: str | bytes) -> tuple[dict[str, Any], list[str]]:
    """Read like ``loads(text, unknown="keep")``, and give the JSON paths of elements out of order.

    >>> _loads_noting_order('<Patient xmlns="http://hl7.org/fhir"><gender value="male"/>'
    ...                     '<name><family value="Smith"/></name><active value="true"/></Patient>')
    ({'resourceType': 'Patient', 'gender': 'male', 'name': [{'family': 'Smith'}], 'active': True}, \
['$.name[0]', '$.active'])
    """
    resource, reader = _read(_OrderReader, text, True, True, MAX_DEPTH, MAX_SIZE)
    assert isinstance(reader, _OrderReader)
    return resource, reader.out_of_order


# --- writing -----------------------------------------------------------------------------------


class _Writer:
    """Writes a FHIR JSON resource as FHIR XML, element order from the definitions."""

    def __init__(self, model: R4Model, max_depth: int) -> None:
        self.model = model
        self.max_depth = max_depth
        self.parts: list[str] = []
        self.problems: list[Problem] = []

    def resource(self, resource: Any, path: str, depth: int, namespace: str = "") -> None:
        if not isinstance(resource, Mapping):
            self.problems.append(
                Problem(path, f"expected a resource (a JSON object), got {describe(resource)}")
            )
            return
        resource_type = resource.get("resourceType")
        info = self.model.type(resource_type) if isinstance(resource_type, str) else None
        if info is None or info.kind != "resource" or info.abstract:
            self.problems.append(Problem(path, "resourceType is not a FHIR R4 resource type"))
            return
        self.element(info.name, resource, None, info.name, path, depth, namespace)

    def element(
        self,
        name: str,
        json: Mapping[Any, Any] | None,  # keys are checked: a caller's dict may have any
        value: str | None,
        container: str,
        path: str,
        depth: int,
        namespace: str = "",
    ) -> None:
        """Write one element: its XML attributes, then its children in definition order."""
        if depth > self.max_depth:
            self.problems.append(Problem(path, f"nested deeper than {self.max_depth}", Reason.LENGTH))
            return
        children = self.model.children(container) or {}
        attributes: list[tuple[int, str]] = [(-1, namespace)] if namespace else []
        # JSON name -> (element, type code, value, "_name" companion)
        content: list[tuple[ElementInfo, str, str, Any, Any]] = []
        choices: dict[str, str] = {}
        for key, item in (json or {}).items():
            if key == "resourceType" and container == name:
                continue
            if not isinstance(key, str):
                self.problems.append(Problem(path, "object keys must be strings"))
                continue
            primitive_extras = key.startswith("_")
            json_name = key[1:] if primitive_extras else key
            found = children.get(json_name)
            if (
                found is None
                or (primitive_extras and not self.model.is_primitive(found[1]))
                or (json_name == "value" and found[0].xml_attribute)  # a primitive's value is not in "_name"
            ):
                self.problems.append(Problem(path, f"unknown element {key}"))
                continue
            element, type_code = found
            if choices.setdefault(element.path, json_name) != json_name:
                self.problems.append(Problem(path, f"element {json_name}: a choice has more than one type"))
                continue
            if element.xml_attribute:
                if primitive_extras or not isinstance(item, str):
                    self.problems.append(Problem(f"{path}.{key}", "must be a string"))
                else:
                    attributes.append((element.order, f' {json_name}="{self.text(item, f"{path}.{key}")}"'))
                continue
            if primitive_extras and json_name in (json or {}):
                continue  # written with its value
            companion = (json or {}).get("_" + json_name) if not primitive_extras else item
            content.append((element, type_code, json_name, None if primitive_extras else item, companion))
        if value is not None:
            attributes.append((len(children), f' value="{value}"'))
        attributes.sort()
        start = f"<{name}{''.join(text for _, text in attributes)}"
        if not content:
            self.parts.append(start + "/>")
            return
        self.parts.append(start + ">")
        content.sort(key=lambda entry: entry[0].order)
        for element, type_code, json_name, item, companion in content:
            self.child(element, type_code, json_name, item, companion, f"{path}.{json_name}", depth + 1)
        self.parts.append(f"</{name}>")

    def child(
        self,
        element: ElementInfo,
        type_code: str,
        name: str,
        item: Any,
        companion: Any,
        path: str,
        depth: int,
    ) -> None:
        if element.is_array:
            items = self.array(item, path)
            companions = self.array(companion, f"{path[: -len(name)]}_{name}")
            if items and companions and len(items) != len(companions):
                self.problems.append(Problem(path, f"_{name} does not have one entry per value"))
                return
            count = max(len(items), len(companions))
            items = items or [None] * count
            companions = companions or [None] * count
            for index in range(count):
                self.one(element, type_code, name, items[index], companions[index], f"{path}[{index}]", depth)
        else:
            self.one(element, type_code, name, item, companion, path, depth)

    def array(self, item: Any, path: str) -> list[Any]:
        if item is None:
            return []
        if not isinstance(item, list) or not item:
            self.problems.append(Problem(path, f"expected a non-empty array, got {describe(item)}"))
            return []
        return item

    def one(
        self,
        element: ElementInfo,
        type_code: str,
        name: str,
        item: Any,
        companion: Any,
        path: str,
        depth: int,
    ) -> None:
        if type_code == "xhtml":
            if not isinstance(item, str):
                self.problems.append(Problem(path, f"expected XHTML text, got {describe(item)}"))
            else:
                self.parts.append(self.xhtml(item, path))
            return
        if type_code == "Resource":
            self.parts.append(f"<{name}>")
            self.resource(item, path, depth)
            self.parts.append(f"</{name}>")
            return
        container = self.model.children_of(element, type_code)
        if self.model.is_primitive(type_code):
            if item is None and companion is None:
                self.problems.append(Problem(path, "has neither a value nor extensions"))
                return
            if companion is not None and not isinstance(companion, Mapping):
                self.problems.append(Problem(path, f"_{name}: expected an object, got {describe(companion)}"))
                return
            value = None if item is None else self.primitive(type_code, item, path)
            self.element(name, companion, value, container, path, depth)
            return
        if not isinstance(item, Mapping):
            self.problems.append(Problem(path, f"expected an object, got {describe(item)}"))
            return
        self.element(name, item, None, container, path, depth)

    def primitive(self, type_code: str, item: Any, path: str) -> str | None:
        if type_code == "boolean":
            if isinstance(item, bool):
                return "true" if item else "false"
        elif type_code in _INTEGER_FORMS:
            if isinstance(item, int) and not isinstance(item, bool):
                return str(item)
        elif type_code == "decimal":
            if isinstance(item, Decimal) and item.is_finite():
                return str(item)
            if isinstance(item, int) and not isinstance(item, bool):
                return str(item)
            if isinstance(item, float) and math.isfinite(item):
                return repr(item)  # the shortest text that reads back as the same float
        elif isinstance(item, str):
            return self.text(item, path)
        self.problems.append(Problem(path, f"a {type_code} cannot be {describe(item)}"))
        return None

    def text(self, text: str, path: str) -> str:
        if _NOT_XML.search(text) is not None:
            self.problems.append(Problem(path, "holds a character that XML cannot carry"))
        return text.translate(_ATTRIBUTE_ESCAPES)

    def xhtml(self, text: str, path: str) -> str:
        """The div as given when it is one XHTML div standing alone, else its canonical form."""
        canonical, problems = _canonical_xhtml(text)
        if canonical is None:
            self.problems.append(Problem(path, "the narrative is not well-formed XHTML"))
            return ""
        if not canonical.startswith("<div "):
            self.problems.append(Problem(path, "the narrative must be one XHTML div"))
        self.problems.extend(Problem(path, message) for message in problems)
        if text.startswith("<div") and text.endswith(("</div>", "/>")):
            return text  # nothing before or after the div: written as given, read back the same
        return canonical


def _canonical_xhtml(text: str) -> tuple[str | None, list[str]]:
    """The canonical form of a narrative and its problems; None when it is not well-formed."""
    writer = _XhtmlWriter(None)
    parser = _safe_parser("UTF-8", _refuse_in_narrative)
    parser.StartElementHandler = writer.start
    parser.EndElementHandler = writer.end
    parser.CharacterDataHandler = writer.text
    try:
        parser.Parse(text.encode("utf-8", "surrogatepass"), True)
    except (expat.ExpatError, _Refused):
        return None, []
    return "".join(writer.parts), writer.problems


def _refuse_in_narrative(*_: Any) -> None:
    raise _Refused(Problem("$", "a DTD is not allowed in a narrative"))


def dumps(resource: Mapping[str, Any], *, max_depth: int = MAX_DEPTH) -> str:
    """Write a FHIR JSON resource (a ``dict``) as FHIR XML text.

    Elements are written in the order of their definitions, primitives as ``value``
    attributes with their ``_name`` companions merged in, the narrative in the XHTML
    namespace.  ``decimal`` values may be :class:`~decimal.Decimal` (written exactly), ``int``
    or ``float``.  No XML declaration and no indentation is written.

    :raises FHIRXMLError: listing every element that is unknown or of the wrong JSON type.

    >>> from decimal import Decimal
    >>> from nhsstd.fhir.xml import dumps
    >>> dumps({"resourceType": "Observation", "status": "final", "code": {"text": "weight"},
    ...        "valueQuantity": {"unit": "kg", "value": Decimal("72.50")}})
    '<Observation xmlns="http://hl7.org/fhir"><status value="final"/><code><text value="weight"/></code>\
<valueQuantity><value value="72.50"/><unit value="kg"/></valueQuantity></Observation>'
    """
    writer = _Writer(r4_model(), max_depth)
    writer.resource(resource, "$", 0, f' xmlns="{FHIR_NAMESPACE}"')
    if writer.problems:
        raise FHIRXMLError(_SUBJECT, writer.problems)
    return "".join(writer.parts)
