"""The FHIR data seen by FHIRPath: elements of FHIR JSON with their R4 types.

An element of the data is a :class:`Element`: its JSON value, the ``_name``
sibling of a primitive (its ``id`` and ``extension``), its FHIR type code
(``HumanName``, ``string``, ``BackboneElement``, a resource type) and where
its children are defined (its type, or the element path of a backbone
element).  :class:`FhirTypes` compiles the shipped R4 structure model into
the two lookups navigation needs: by FHIRPath name (a choice ``value`` gives
``valueQuantity``, ``valueString``...) and by JSON key (for ``children()``).

>>> types = fhir_types()
>>> patient = {"resourceType": "Patient", "birthDate": "1970-01-01", "_birthDate": {"id": "b"}}
>>> [(child.type, child.data, child.extras) for child in types.child(resource_element(patient), "birthDate")]
[('date', '1970-01-01', {'id': 'b'})]
>>> types.is_a("code", "string"), types.is_a("Patient", "DomainResource")
(True, True)
"""

from __future__ import annotations

from typing import Any, Final

from nhsstd._once import Once
from nhsstd.fhir._structure import R4Model, r4_model

__all__ = ["Element", "FhirTypes", "fhir_types", "resource_element"]

#: (JSON key, FHIR type code, where the value's children are defined, the key of its ``_`` sibling)
_Target = tuple[str, str, str, str]
#: One container's lookups: FHIRPath name -> the targets it stands for, and JSON key -> target
_Tables = tuple[dict[str, tuple[_Target, ...]], dict[str, _Target]]


class Element:
    """An element of FHIR data: its JSON value and what the R4 model says it is."""

    __slots__ = ("container", "data", "extras", "type")

    def __init__(self, data: Any, type_code: str | None, container: str | None, extras: Any = None) -> None:
        #: the JSON value (None for a primitive with only extensions)
        self.data = data
        #: the FHIR type code, None where the data is not where the model has it
        self.type = type_code
        #: where its children are defined: a type name or a backbone element's path
        self.container = container
        #: a primitive's ``_name`` object (id and extension)
        self.extras = extras

    def __repr__(self) -> str:  # no content: a repr may end up in a log
        return f"Element({self.type})"


def resource_element(data: Any) -> Element:
    """A resource (or any object) as an element typed by its ``resourceType``."""
    kind = data.get("resourceType") if isinstance(data, dict) else None
    kind = kind if isinstance(kind, str) else None
    return Element(data, kind, kind)


class FhirTypes:
    """The R4 element lookups by FHIRPath name and by JSON key, and the type hierarchy."""

    def __init__(self, model: R4Model) -> None:
        self._model = model
        # container (a type name, or the path of an element with inline children) -> (FHIRPath
        # name -> the JSON keys it stands for, JSON key -> its target), or None for a path that
        # is not a container.  Built the first time a container is looked up, as the R4 model
        # indexes a type the first time a path into it is: a validation touches a few of R4's
        # types, and building every table up front cost more than the rest of a first verdict.
        self._tables: dict[str, _Tables | None] = {}
        self._bases: dict[str, tuple[str, ...]] = {}
        for info in model.types():
            chain = [info.name]
            base = info.base
            while base is not None:
                chain.append(base)
                found = model.type(base)
                base = found.base if found is not None else None
            self._bases[info.name] = tuple(chain)
        self._bases.setdefault("BackboneElement", ("BackboneElement", "Element", "Base"))

    def _table(self, container: str | None) -> _Tables | None:
        if container is None:
            return None
        try:
            return self._tables[container]
        except KeyError:
            pass
        model = self._model
        if "." in container:
            element = model.element(container)
            is_container = element is not None and element.own_children == container
        else:
            is_container = model.type(container) is not None
        table: _Tables | None = None
        if is_container:
            names: dict[str, list[_Target]] = {}
            keys: dict[str, _Target] = {}
            for key, (element, code) in (model.children(container) or {}).items():
                target = (key, code, model.children_of(element, code), "_" + key)
                keys[key] = target
                names.setdefault(element.name[:-3] if element.is_choice else key, []).append(target)
            table = ({name: tuple(targets) for name, targets in names.items()}, keys)
        # Threads racing here build equal tables; whichever is stored last is kept.
        self._tables[container] = table
        return table

    def is_a(self, type_code: str | None, name: str) -> bool:
        """Whether *type_code* is the FHIR type *name* or derives from it."""
        if type_code is None:
            return False
        return name in self._bases.get(type_code, (type_code,))

    def is_type(self, name: str) -> bool:
        """Whether *name* is an R4 type (or BackboneElement)."""
        return name in self._bases

    def is_primitive(self, type_code: str | None) -> bool:
        return type_code is not None and self._model.is_primitive(type_code)

    def element_of(self, data: Any, type_name: str) -> Element:
        """*data* as the context element of a constraint on *type_name* (a type or element path)."""
        if "." in type_name:
            return Element(data, "BackboneElement", type_name if self._table(type_name) is not None else None)
        if type(data) is dict:
            kind = data.get("resourceType")
            if type(kind) is str:
                return Element(data, kind, kind)  # a resource: its own type (the profile may name a base)
        return Element(data, type_name, type_name)

    def child(self, parent: Element, name: str) -> list[Element]:
        """The children called *name* (a FHIRPath name) of *parent*, each repeat an element."""
        data = parent.data
        if type(data) is not dict:
            extras = parent.extras
            if type(extras) is dict and name in ("id", "extension"):
                return self.child(Element(extras, "Element", "Element"), name)
            return []
        tables = self._table(parent.container)
        table = tables[0] if tables is not None else None
        targets = table.get(name) if table is not None else None
        found: list[Element] = []
        if targets is None:
            if name not in data and "_" + name not in data:
                return self._untyped_choice(data, name) if table is None else found
            targets = ((name, "", "", "_" + name),)
        for key, code, inner, extras_key in targets:
            value = data.get(key)
            extras = data.get(extras_key)
            if value is not None or extras is not None:
                _append(found, value, extras, code or None, inner or None)
        return found

    def _untyped_choice(self, data: dict[str, Any], name: str) -> list[Element]:
        # The model does not know this object: a choice is read by its key's prefix (valueString).
        found: list[Element] = []
        for key, value in data.items():
            if isinstance(key, str) and key.startswith(name) and key[len(name) : len(name) + 1].isupper():
                code = key[len(name) :]
                code = code if self.is_type(code) else code[0].lower() + code[1:]
                _append(found, value, data.get("_" + key), code, code)
        return found

    def children(self, parent: Element) -> list[Element]:
        """Every child element of *parent*, in the data's key order (``children()``)."""
        data = parent.data
        if not isinstance(data, dict):
            extras = parent.extras
            return self.children(Element(extras, "Element", "Element")) if isinstance(extras, dict) else []
        tables = self._table(parent.container)
        keys = tables[1] if tables is not None else None
        found: list[Element] = []
        for key, value in data.items():
            if not isinstance(key, str) or key == "resourceType":
                continue
            if key.startswith("_"):
                if key[1:] in data:
                    continue  # read with its value
                key = key[1:]
                value = None
            target = keys.get(key) if keys is not None else None
            code, inner = (target[1], target[2]) if target is not None else (None, None)
            _append(found, value, data.get("_" + key), code, inner)
        return found


def _append(found: list[Element], value: Any, extras: Any, code: str | None, inner: str | None) -> None:
    if extras is None and type(value) is dict and code not in _RESOURCE_TYPES:
        found.append(Element(value, code, inner))  # the common case: one object
    elif isinstance(value, list) or isinstance(extras, list):
        values = value if isinstance(value, list) else []
        extra_list = extras if isinstance(extras, list) else []
        for index in range(max(len(values), len(extra_list))):
            item = values[index] if index < len(values) else None
            extra = extra_list[index] if index < len(extra_list) else None
            if item is not None or extra is not None:
                found.append(_element(item, extra, code, inner))
    else:
        found.append(_element(value, extras, code, inner))


def _element(value: Any, extras: Any, code: str | None, inner: str | None) -> Element:
    if code in _RESOURCE_TYPES and isinstance(value, dict):
        return resource_element(value)
    return Element(value, code, inner, extras)


#: Element types whose values are resources typed by their own resourceType.
_RESOURCE_TYPES: Final = frozenset({"Resource", "DomainResource"})

def _build_fhir_types() -> FhirTypes:
    """The lookups for the R4 model, built on first use and then shared (read-only)."""
    return FhirTypes(r4_model())


fhir_types: Final = Once(_build_fhir_types)
