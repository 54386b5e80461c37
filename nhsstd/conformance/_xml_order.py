"""FHIR XML element order, as conformance issues (private).

FHIR R4 XML (xml.html, "XML Representation of Resources"): "Elements must always
appear in the order documented", and the infrastructure elements come before the
others.  The order is lost in the JSON form that :func:`nhsstd.fhir.xml.loads`
gives, so the validator reads XML text with a reader that notes each element out
of order (:func:`nhsstd.fhir.xml._loads_noting_order`) and reports it here, at the
element's FHIRPath location, with rule ``nhsstd-xml-order``.

>>> [str(issue) for issue in order_issues("Patient", ["$.name[0]", "$.contact[0].gender"])]
['error Patient.name[0]: the element is out of order: FHIR XML has elements in the order of \
their definitions [nhsstd-xml-order]', 'error Patient.contact[0].gender: the element is out of \
order: FHIR XML has elements in the order of their definitions [nhsstd-xml-order]']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from nhsstd.conformance._outcome import Issue

__all__ = ["RULE", "order_issues"]

#: The rule id of an element out of order in FHIR XML.
RULE: Final = "nhsstd-xml-order"

_MESSAGE: Final = "the element is out of order: FHIR XML has elements in the order of their definitions"


def order_issues(resource_type: str, json_paths: Iterable[str]) -> tuple[Issue, ...]:
    """One error per element out of order; *json_paths* are the XML reader's (``$.name[0]``)."""
    return tuple(
        Issue("error", "structure", resource_type + path.removeprefix("$"), _MESSAGE, RULE)
        for path in json_paths
    )
