"""Adversarial tests of nhsstd.fhir.xml: hostile and odd input both ways, values never echoed.

Rules cited: XML 1.0 (fifth edition) sections 2.2 (characters), 2.8 (one root element), 3.3.3
(attribute-value normalisation), 4.3.3 (encodings, byte order mark); Namespaces in XML 1.0
(a prefix is only a name for its namespace); FHIR R4 xml.html ("FHIR elements are always in the
namespace http://hl7.org/fhir") and json.html (decimals are JSON numbers: no NaN or infinity).
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pytest

from nhsstd.exceptions import Reason
from nhsstd.fhir.xml import FHIRXMLError, dumps, loads

NS = 'xmlns="http://hl7.org/fhir"'
SECRET = "QXZJVKWQ"


def patient(body: str) -> str:
    return f"<Patient {NS}>{body}</Patient>"


def all_text(error: FHIRXMLError) -> str:
    return "\n".join([str(error), repr(error), *(f"{p.path} {p.message}" for p in error.problems)])


# --- reading ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        b"\xef\xbb\xbf" + patient('<active value="true"/>').encode(),  # UTF-8 byte order mark (4.3.3)
        "\ufeff" + patient('<active value="true"/>'),
        ('<?xml version="1.0" encoding="UTF-16"?>' + patient('<active value="true"/>')).encode("utf-16"),
        '<?xml version="1.0" encoding="UTF-8"?>' + patient('<active value="true"/>'),  # str: declaration moot
        # A prefix only names the namespace: f:Patient in the FHIR namespace is a FHIR Patient.
        '<f:Patient xmlns:f="http://hl7.org/fhir"><f:active value="true"/></f:Patient>',
        patient('<!-- a comment --><?pi x?><active value="true"/>'),
    ],
)
def test_the_same_resource_however_encoded(text: str | bytes) -> None:
    assert loads(text) == {"resourceType": "Patient", "active": True}


def test_attribute_values_are_normalised_but_character_references_kept() -> None:
    # XML 3.3.3: a literal newline in an attribute value reads as a space; &#10; stays a newline.
    assert loads(patient('<name><family value="a\nb"/></name>'))["name"][0]["family"] == "a b"
    assert loads(patient('<name><family value="a&#10;b&#13;"/></name>'))["name"][0]["family"] == "a\nb\r"


@pytest.mark.parametrize(
    "text",
    [
        patient('<name><family value="&#0;"/></name>'),  # 2.2: U+0000 is no XML character
        patient('<name><family value="&#xD800;"/></name>'),  # nor a surrogate
        patient("") + patient(""),  # 2.8: one root element
        patient("") + "junk",
        patient('<name><family value="a"/>text</name>'),
        patient("<name><![CDATA[a]]></name>"),
    ],
)
def test_what_xml_or_fhir_xml_forbids_is_a_typed_error(text: str) -> None:
    with pytest.raises(FHIRXMLError) as error:
        loads(text, unknown="keep")
    assert error.value.reason is Reason.FORMAT
    assert error.value.problems


@pytest.mark.parametrize(
    "body",
    [
        f'<active value="{SECRET}"/>',
        f'<multipleBirthInteger value="{SECRET}"/>',
        f'<birthDate value="{SECRET}"/><birthDate value="{SECRET}"/>',
        f'<name><family value="{SECRET}" use="{SECRET}"/></name>',
        f"<name>{SECRET}</name>",
        f'<name><family value="{SECRET} &undeclared;"/></name>',
        f'<extension url="http://example.org/e"><valueString value="{SECRET}"/>'
        f'<valueInteger value="{SECRET}"/></extension>',
    ],
)
def test_reading_errors_never_repeat_a_value(body: str) -> None:
    with pytest.raises(FHIRXMLError) as error:
        loads(patient(body))
    assert SECRET not in all_text(error.value)


# --- writing ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "reason"),
    [
        (None, Reason.FORMAT),
        ([], Reason.FORMAT),
        ({"resourceType": 5}, Reason.FORMAT),
        ({"resourceType": "HumanName"}, Reason.FORMAT),
        ({"resourceType": "Observation", "valueQuantity": {"value": math.nan}}, Reason.FORMAT),
        ({"resourceType": "Observation", "valueQuantity": {"value": -math.inf}}, Reason.FORMAT),
        ({"resourceType": "Observation", "valueQuantity": {"value": Decimal("NaN")}}, Reason.FORMAT),
        ({"resourceType": "Observation", "valueQuantity": {"value": Decimal("-Infinity")}}, Reason.FORMAT),
        ({"resourceType": "Observation", "valueQuantity": {"value": True}}, Reason.FORMAT),
        ({"resourceType": "Patient", "active": 1}, Reason.FORMAT),
        ({"resourceType": "Patient", 1: "x"}, Reason.FORMAT),
        ({"resourceType": "Patient", "name": [{"family": "a\x01b"}]}, Reason.FORMAT),
        ({"resourceType": "Patient", "name": [{"family": "a\ud800b"}]}, Reason.FORMAT),
        ({"resourceType": "Patient", "text": {"status": "generated", "div": "plain"}}, Reason.FORMAT),
    ],
)
def test_what_fhir_xml_cannot_carry_is_refused(resource: Any, reason: Reason) -> None:
    with pytest.raises(FHIRXMLError) as error:
        dumps(resource)
    assert error.value.reason is reason


def test_a_resource_that_contains_itself_is_refused() -> None:
    resource: dict[str, Any] = {"resourceType": "Patient"}
    resource["contained"] = [resource]
    with pytest.raises(FHIRXMLError) as error:
        dumps(resource)
    assert error.value.reason is Reason.LENGTH


def test_a_hundred_thousand_nested_extensions_are_refused() -> None:
    extension: dict[str, Any] = {"url": "http://example.org/e", "valueString": "x"}
    for _ in range(100_000):
        extension = {"url": "http://example.org/e", "extension": [extension]}
    with pytest.raises(FHIRXMLError) as error:
        dumps({"resourceType": "Patient", "extension": [extension]})
    assert error.value.reason is Reason.LENGTH


@pytest.mark.parametrize(
    "resource",
    [
        {"resourceType": "Patient", "active": SECRET},
        {"resourceType": "Patient", "multipleBirthInteger": SECRET},
        {"resourceType": "Patient", "name": [{"family": SECRET + "\x01"}]},
        {"resourceType": "Patient", "_birthDate": SECRET},
        {"resourceType": "Patient", "text": {"status": "generated", "div": f"<div>{SECRET}<"}},
        {"resourceType": "Observation", "valueQuantity": {"value": SECRET}},
    ],
)
def test_writing_errors_never_repeat_a_value(resource: dict[str, Any]) -> None:
    with pytest.raises(FHIRXMLError) as error:
        dumps(resource)
    assert SECRET not in all_text(error.value)


# --- JSON -> XML -> JSON corner cases ----------------------------------------------------------------

ROUND_TRIPS: list[dict[str, Any]] = [
    # primitive arrays: nulls pair values with their ids and extensions (json.html 2.6.2.3)
    {
        "resourceType": "Patient",
        "name": [
            {
                "given": ["A", None, "C"],
                "_given": [
                    None,
                    {"id": "g2", "extension": [{"url": "http://e/x", "valueString": "v"}]},
                    None,
                ],
            }
        ],
    },
    # decimals keep their written precision and exponent
    {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "t"},
        "valueQuantity": {"value": Decimal("1.50")},
    },
    {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "t"},
        "valueQuantity": {"value": Decimal("1E+3")},
    },
    {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "t"},
        "valueQuantity": {"value": Decimal("-0.000")},
    },
    # narrative with escaped markup and a character reference, contained resources, choices
    {
        "resourceType": "Patient",
        "text": {
            "status": "generated",
            "div": '<div xmlns="http://www.w3.org/1999/xhtml"><p>a &amp; <b>b</b> &lt;c&gt;\u00a0</p></div>',
        },
        "contained": [{"resourceType": "Organization", "id": "o", "name": "N"}],
        "managingOrganization": {"reference": "#o"},
        "deceasedBoolean": False,
        "multipleBirthInteger": 2,
    },
    # text XML attributes would normalise or escape
    {"resourceType": "Patient", "name": [{"family": 'O\'Neil "x" <y> & z\t\r\n  ', "given": ["Ñoño 😀"]}]},
    {"resourceType": "Patient", "birthDate": "1970", "_birthDate": {"id": "b"}},
    {"resourceType": "Parameters", "parameter": [{"name": "r", "resource": {"resourceType": "Patient"}}]},
]


@pytest.mark.parametrize("resource", ROUND_TRIPS)
def test_json_to_xml_to_json_is_the_identity_on_corner_cases(resource: dict[str, Any]) -> None:
    assert loads(dumps(resource)) == resource


# --- regressions from the review --------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        '<name xmlns:x="urn:x"><x:family value="a"/></name>',
        '<name><family xmlns="urn:x" value="a"/></name>',
    ],
)
def test_a_kept_element_outside_the_fhir_namespace_is_never_a_fhir_element(body: str) -> None:
    # Namespaces in XML: the element's name is (namespace, local name); only the FHIR namespace's are FHIR's.
    with pytest.raises(FHIRXMLError):
        loads(patient(body))
    kept = loads(patient(body), unknown="keep")
    assert kept == {"resourceType": "Patient", "name": [{"{urn:x}family": "a"}]}


def test_an_unknown_encoding_is_a_typed_error() -> None:
    # XML 4.3.3: a processor that does not know the declared encoding reports an error.
    with pytest.raises(FHIRXMLError) as error:
        loads(b'<?xml version="1.0" encoding="bogus"?><Patient xmlns="http://hl7.org/fhir"/>')
    assert error.value.reason is Reason.FORMAT
