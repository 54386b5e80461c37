"""nhsstd.fhir.xml: FHIR XML to the FHIR JSON form and back (R4 xml.html, json.html)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nhsstd.exceptions import Reason
from nhsstd.fhir import SerialisationError
from nhsstd.fhir._structure import r4_model
from nhsstd.fhir.xml import FHIRXMLError, dumps, loads

FIXTURES = Path(__file__).parent.parent / "fixtures"
UK_CORE_PAIRS = sorted((FIXTURES / "fhir" / "ukcore").glob("*.xml"))
NS = 'xmlns="http://hl7.org/fhir"'


#: JSON fixtures that are not FHIR JSON, with where they break its rules.  The FHIRPath suite's
#: input pads ``given`` with a null but not ``_given``, while R4 json.html (repeating primitives)
#: has the value array and its ``_name`` array the same length, null where one has nothing.
NOT_FHIR_JSON = {"fhirpath-tests/patient-name-extensions.json": "$.name[0].given"}


def _json_fixtures() -> list[Any]:
    """Every JSON resource in tests/fixtures, read with its decimals exact.

    The HL7 validator's test cases themselves (``fhir-test-cases/*.json``), some of them
    deliberately broken, are in test_xml_fixtures.py with the Java validator's verdicts;
    their expected outcomes (``fhir-test-cases/outcomes``) are here.
    """
    found = []
    for path in sorted(FIXTURES.rglob("*.json")):
        if path.parent.name == "fhir-test-cases" or str(path.relative_to(FIXTURES)) in NOT_FHIR_JSON:
            continue
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
        if isinstance(data, dict) and "resourceType" in data:
            found.append(pytest.param(data, id=str(path.relative_to(FIXTURES))))
    return found


JSON_FIXTURES = _json_fixtures()


def patient(body: str) -> str:
    return f"<Patient {NS}>{body}</Patient>"


def problems(error: pytest.ExceptionInfo[FHIRXMLError]) -> list[tuple[str, str]]:
    return [(problem.path, problem.message.partition(": ")[2]) for problem in error.value.problems]


# --- the published examples ----------------------------------------------------------------------


@pytest.mark.parametrize("path", UK_CORE_PAIRS, ids=lambda path: path.stem)
def test_uk_core_example_reads_as_its_published_json(path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"), parse_float=Decimal)
    assert loads(path.read_bytes()) == expected
    assert loads(path.read_text(encoding="utf-8")) == expected


def test_the_fixtures_hold_resources() -> None:
    assert len(UK_CORE_PAIRS) == 7
    assert len(JSON_FIXTURES) >= 180


@pytest.mark.parametrize("resource", JSON_FIXTURES)
def test_json_to_xml_to_json_is_the_identity(resource: dict[str, Any]) -> None:
    text = dumps(resource)
    assert text.startswith(f"<{resource['resourceType']} {NS}")
    assert loads(text) == resource


@pytest.mark.parametrize(("name", "where"), sorted(NOT_FHIR_JSON.items()))
def test_fixtures_breaking_the_json_rules_are_refused_where_they_break(name: str, where: str) -> None:
    resource = json.loads((FIXTURES / name).read_text(encoding="utf-8"), parse_float=Decimal)
    with pytest.raises(FHIRXMLError) as error:
        dumps(resource)
    assert [path for path, _ in problems(error)] == [where]


# --- the JSON form (json.html) -------------------------------------------------------------------


def test_repeating_elements_are_arrays_and_single_ones_are_not() -> None:
    resource = loads(patient('<name><family value="Jones"/><given value="Ann"/></name>'))
    assert resource == {"resourceType": "Patient", "name": [{"family": "Jones", "given": ["Ann"]}]}


@pytest.mark.parametrize(
    ("element", "lexical", "value"),
    [
        ("active", "true", True),
        ("active", "false", False),
        ("multipleBirthInteger", "0", 0),
        ("multipleBirthInteger", "-12", -12),
        ("multipleBirthBoolean", "true", True),
    ],
)
def test_primitives_get_their_json_types(element: str, lexical: str, value: Any) -> None:
    read = loads(patient(f'<{element} value="{lexical}"/>'))[element]
    assert read == value
    assert type(read) is type(value)


@pytest.mark.parametrize("lexical", ["1.50", "0.0", "-3", "1.000000000000000000001", "6.02e23", "1E-3"])
def test_decimals_keep_their_lexical_form(lexical: str) -> None:
    read = loads(
        f'<Observation {NS}><status value="final"/><code/><valueQuantity><value value="{lexical}"/>'
        "</valueQuantity></Observation>"
    )
    value = read["valueQuantity"]["value"]
    assert isinstance(value, Decimal)
    assert str(value) == str(Decimal(lexical))
    assert Decimal(lexical).as_tuple() == value.as_tuple()
    assert f'<value value="{value}"/>' in dumps(read)


@pytest.mark.parametrize(
    ("element", "lexical"),
    [
        ("active", "True"),
        ("active", "1"),
        ("active", ""),
        ("multipleBirthInteger", "01"),
        ("multipleBirthInteger", "1.0"),
        ("multipleBirthInteger", " 1"),
        ("multipleBirthInteger", "1_0"),
    ],
)
def test_a_value_that_json_cannot_type_is_an_error(element: str, lexical: str) -> None:
    with pytest.raises(FHIRXMLError) as error:
        loads(patient(f'<{element} value="{lexical}"/>'))
    assert [problem.path for problem in error.value.problems] == [f"$.{element}"]


def test_positive_and_unsigned_integers_follow_their_forms() -> None:
    timing = f'<Patient {NS}><contact><period><start value="2020"/></period></contact></Patient>'
    assert loads(timing)["contact"] == [{"period": {"start": "2020"}}]
    ok = loads(f'<Patient {NS}><photo><size value="0"/></photo></Patient>')  # unsignedInt
    assert ok["photo"] == [{"size": 0}]
    with pytest.raises(FHIRXMLError):
        loads(f'<Patient {NS}><photo><size value="-1"/></photo></Patient>')


def test_primitive_id_and_extensions_go_to_the_underscore_name_with_null_padding() -> None:
    extension = '<extension url="http://example.org/e"><valueString value="x"/></extension>'
    resource = loads(
        patient(
            f'<name><given value="A"/><given id="g1">{extension}</given><given value="C"/></name>'
            f'<birthDate value="1970"><extension url="http://example.org/t"><valueTime value="10:00:00"/>'
            "</extension></birthDate>"
        )
    )
    assert resource["name"] == [
        {
            "given": ["A", None, "C"],
            "_given": [
                None,
                {"id": "g1", "extension": [{"url": "http://example.org/e", "valueString": "x"}]},
                None,
            ],
        }
    ]
    assert resource["birthDate"] == "1970"
    assert resource["_birthDate"] == {"extension": [{"url": "http://example.org/t", "valueTime": "10:00:00"}]}
    assert list(resource) == ["resourceType", "name", "birthDate", "_birthDate"]
    assert loads(dumps(resource)) == resource


def test_a_primitive_with_only_an_extension_has_no_value_key() -> None:
    resource = loads(
        patient('<gender><extension url="http://example.org/e"><valueCode value="x"/></extension></gender>')
    )
    assert "gender" not in resource
    assert resource["_gender"] == {"extension": [{"url": "http://example.org/e", "valueCode": "x"}]}
    assert loads(dumps(resource)) == resource


def test_choices_keep_their_typed_names() -> None:
    resource = loads(patient('<deceasedDateTime value="2020-01-01"/><multipleBirthBoolean value="false"/>'))
    assert resource == {
        "resourceType": "Patient",
        "deceasedDateTime": "2020-01-01",
        "multipleBirthBoolean": False,
    }
    with pytest.raises(FHIRXMLError) as error:
        loads(patient('<deceasedBoolean value="true"/><deceasedDateTime value="2020"/>'))
    assert "choice" in str(error.value)


def test_contained_bundle_and_parameters_resources_are_resources() -> None:
    resource = loads(
        f'<Bundle {NS}><type value="collection"/><entry><fullUrl value="urn:uuid:1"/><resource>'
        f'<Patient><contained><Organization><id value="o"/><name value="X"/></Organization></contained>'
        '<managingOrganization><reference value="#o"/></managingOrganization></Patient>'
        "</resource></entry></Bundle>"
    )
    assert resource == {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:1",
                "resource": {
                    "resourceType": "Patient",
                    "contained": [{"resourceType": "Organization", "id": "o", "name": "X"}],
                    "managingOrganization": {"reference": "#o"},
                },
            }
        ],
    }
    assert loads(dumps(resource)) == resource
    parameters = loads(
        f'<Parameters {NS}><parameter><name value="p"/><resource><Patient><id value="a"/></Patient>'
        "</resource></parameter></Parameters>"
    )
    assert parameters["parameter"][0]["resource"] == {"resourceType": "Patient", "id": "a"}


@pytest.mark.parametrize(
    "body",
    [
        "<contained/>",
        "<contained><Patient/><Patient/></contained>",
        "<contained><HumanName/></contained>",
        "<contained><Resource/></contained>",
    ],
)
def test_a_resource_element_holds_exactly_one_resource(body: str) -> None:
    with pytest.raises(FHIRXMLError):
        loads(patient(body))


def test_the_narrative_is_kept_as_written() -> None:
    div = (
        "<div xmlns=\"http://www.w3.org/1999/xhtml\" class='n'><!-- a comment --><p>A &amp; B &lt;3 &#233; "
        "&quot;x&quot;<b>bold</b><br/><br /><td></td></p><?pi x?></div>"
    )
    resource = loads(patient(f'<text><status value="generated"/>{div}</text>'))
    assert resource["text"] == {"status": "generated", "div": div}
    assert dumps(resource) == patient(f'<text><status value="generated"/>{div}</text>')
    assert loads(dumps(resource)) == resource


def test_a_narrative_that_does_not_stand_alone_is_written_canonically() -> None:
    # the XHTML namespace declared on an ancestor: the text as written would lose it
    text = (
        f'<Patient {NS} xmlns:h="http://www.w3.org/1999/xhtml"><text><status value="generated"/>'
        "<h:div><h:p class='c'>x &#233;<h:br/></h:p><!-- c --></h:div></text></Patient>"
    )
    assert loads(text)["text"]["div"] == (
        '<div xmlns="http://www.w3.org/1999/xhtml"><p class="c">x \u00e9<br/></p></div>'
    )


def test_a_prefixed_xhtml_div_is_written_in_the_default_namespace() -> None:
    resource = loads(
        patient(
            '<text><status value="generated"/><h:div xmlns:h="http://www.w3.org/1999/xhtml"><h:p>x</h:p></h:div></text>'
        )
    )
    assert resource["text"]["div"] == '<div xmlns="http://www.w3.org/1999/xhtml"><p>x</p></div>'


@pytest.mark.parametrize(
    "div",
    ["<div><p>x</p></div>", '<div xmlns="http://www.w3.org/1999/xhtml"><p xmlns="urn:x">x</p></div>'],
)
def test_a_narrative_outside_xhtml_is_an_error(div: str) -> None:
    with pytest.raises(FHIRXMLError):
        loads(patient(f'<text><status value="generated"/>{div}</text>'))


def test_comments_and_processing_instructions_are_ignored() -> None:
    text = (
        f'<?xml version="1.0"?><!-- c --><?pi?><Patient {NS}><!-- c -->'
        '<active value="true"/><?x y?></Patient>'
    )
    assert loads(text) == {"resourceType": "Patient", "active": True}


# --- what FHIR XML does not allow ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ('<name value="x"/>', "$.name[0]"),  # a value attribute on a complex type
        ('<active value="true" url="x"/>', "$.active"),
        ("<id value='a'/><name><id value='n'/></name>", "$.name[0]"),  # Element.id is an attribute
        ('<extension><url value="http://x"/></extension>', "$.extension[0]"),
        ("<active>true</active>", "$.active"),  # values are attributes, never text
        ('<nhsNumber value="9434765919"/>', "$"),
        ('<x:active xmlns:x="urn:other" value="true"/>', "$"),
    ],
)
def test_what_fhir_xml_does_not_allow_is_reported_at_its_path(body: str, path: str) -> None:
    with pytest.raises(FHIRXMLError) as error:
        loads(patient(body))
    assert error.value.problems[0].path == path
    assert "9434765919" not in str(error.value)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(FHIRXMLError) as error:
        loads(patient('<active value="yes"/><foo/><name><bar/></name><gender value="x"><baz/></gender>'))
    assert problems(error) == [
        ("$.active", "a boolean must be true or false"),
        ("$", "unknown element foo"),
        ("$.name[0]", "unknown element bar"),
        ("$.gender", "unknown element baz"),
    ]
    assert isinstance(error.value, SerialisationError)
    assert isinstance(error.value, ValueError)
    assert error.value.reason is Reason.FORMAT


def test_unknown_elements_can_be_kept_for_a_validator_to_report() -> None:
    text = patient(
        '<foo value="1"/><foo value="2"/><name><bar><baz value="x"/></bar></name><active value="true" q="1"/>'
    )
    assert loads(text, unknown="keep") == {
        "resourceType": "Patient",
        "foo": ["1", "2"],
        "name": [{"bar": {"baz": "x"}}],
        "active": True,
        "_active": {"q": "1"},
    }
    misfits = patient('<active value="yes"/><multipleBirthInteger value="01"/>')
    assert loads(misfits, unknown="keep") == {
        "resourceType": "Patient",
        "active": "yes",
        "multipleBirthInteger": "01",
    }
    with pytest.raises(ValueError, match="unknown must be"):
        loads(text, unknown="ignore")  # type: ignore[arg-type]


def test_a_kept_element_outside_the_fhir_namespace_is_never_read_as_a_fhir_element() -> None:
    # FHIR XML: "FHIR elements are always in the namespace http://hl7.org/fhir"; <x:family> is
    # not Patient.name.family, so it is kept under a key no FHIR element can have.
    foreign = patient(
        '<name xmlns:x="urn:x"><x:family value="a"/></name><name><family xmlns="" value="b"/></name>'
    )
    assert loads(foreign, unknown="keep") == {
        "resourceType": "Patient",
        "name": [{"{urn:x}family": "a"}, {"{}family": "b"}],
    }


def test_an_unknown_encoding_is_a_typed_error() -> None:
    text = b'<?xml version="1.0" encoding="bogus"?><Patient xmlns="http://hl7.org/fhir"/>'
    with pytest.raises(FHIRXMLError) as error:
        loads(text)
    assert problems(error) == [("$", "the XML declaration names an unknown encoding")]


def test_elements_without_the_fhir_namespace_need_require_namespace_false() -> None:
    text = '<Patient><active value="true"/></Patient>'
    with pytest.raises(FHIRXMLError):
        loads(text)
    assert loads(text, require_namespace=False) == {"resourceType": "Patient", "active": True}


@pytest.mark.parametrize(
    "text",
    ["", "<Patient", f"<HumanName {NS}/>", f"<Resource {NS}/>", '<Patient xmlns="urn:other"/>', "not xml"],
)
def test_a_document_that_is_no_resource_is_an_error(text: str) -> None:
    with pytest.raises(FHIRXMLError):
        loads(text)


def test_the_xml_declaration_decides_the_encoding_of_bytes() -> None:
    text = (
        f'<?xml version="1.0" encoding="ISO-8859-1"?><Patient {NS}>'
        '<name><family value="Brontë"/></name></Patient>'
    )
    assert loads(text.encode("iso-8859-1"))["name"] == [{"family": "Brontë"}]
    assert loads(text)["name"] == [{"family": "Brontë"}]  # text is text: the declaration is moot


# --- hostile XML -------------------------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + f']><Patient {NS}><name><family value="&lol9;"/></name></Patient>'
)


@pytest.mark.parametrize(
    "text",
    [
        BILLION_LAUGHS,
        f'<!DOCTYPE Patient SYSTEM "http://127.0.0.1:9/evil.dtd"><Patient {NS}/>',
        f'<!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><Patient {NS}><id value="&x;"/></Patient>',
        f'<!DOCTYPE p [<!ENTITY % x SYSTEM "http://127.0.0.1:9/x">%x;]><Patient {NS}/>',
        f"<!DOCTYPE Patient><Patient {NS}/>",
    ],
    ids=["billion-laughs", "external-dtd", "external-entity", "parameter-entity", "any-dtd"],
)
def test_dtds_and_entities_are_refused(text: str) -> None:
    with pytest.raises(FHIRXMLError) as error:
        loads(text)
    assert problems(error) == [("$", "a DTD is not allowed in FHIR XML")]


def test_an_undeclared_entity_is_not_well_formed() -> None:
    with pytest.raises(FHIRXMLError) as error:
        loads(patient('<id value="&nbsp;"/>'))
    assert "undefined entity" in str(error.value)


def test_deep_nesting_is_refused() -> None:
    depth = 100_000
    text = patient("<extension>" * depth + "</extension>" * depth)
    with pytest.raises(FHIRXMLError) as error:
        loads(text)
    assert error.value.reason is Reason.LENGTH
    assert loads(patient("<contact>" + "<name/>" + "</contact>"), max_depth=3)["contact"] == [{"name": {}}]


def test_a_huge_document_is_refused_before_it_is_read() -> None:
    text = patient('<name><family value="' + "x" * (100 * 1024 * 1024) + '"/></name>')
    with pytest.raises(FHIRXMLError) as error:
        loads(text)
    assert error.value.reason is Reason.LENGTH
    with pytest.raises(FHIRXMLError):
        loads(patient('<name><family value="' + "x" * 200 + '"/></name>'), max_size=100)


def test_many_problems_stop_the_reading() -> None:
    with pytest.raises(FHIRXMLError) as error:
        loads(patient("<foo/>" * 10_000))
    assert len(error.value.problems) == 101
    assert error.value.problems[-1].message == "more than 100 problems: stopped reading"


def test_input_that_is_no_text_is_an_error() -> None:
    with pytest.raises(FHIRXMLError):
        loads(42)  # type: ignore[arg-type]


# --- writing -----------------------------------------------------------------------------------


def test_elements_are_written_in_definition_order_with_attributes() -> None:
    resource = {
        "gender": "female",
        "extension": [{"valueString": "v", "url": "http://example.org/e", "id": "e1"}],
        "id": "p",
        "resourceType": "Patient",
        "name": [{"given": ["A"], "family": "B", "id": "n"}],
    }
    assert dumps(resource) == (
        f'<Patient {NS}><id value="p"/><extension id="e1" url="http://example.org/e"><valueString value="v"/>'
        '</extension><name id="n"><family value="B"/><given value="A"/></name>'
        '<gender value="female"/></Patient>'
    )


def test_text_is_escaped_for_xml_attributes() -> None:
    value = "a & b < c > d \" e ' f\ng\th\r"
    resource = {"resourceType": "Patient", "name": [{"text": value}]}
    written = dumps(resource)
    assert "&amp; b &lt; c &gt; d &quot; e ' f&#10;g&#9;h&#13;" in written
    assert loads(written) == resource


@pytest.mark.parametrize(
    ("resource", "path"),
    [
        ({"resourceType": "Patient", "nhsNumber": "9434765919"}, "$"),
        ({"resourceType": "Patient", "active": "true"}, "$.active"),
        ({"resourceType": "Patient", "multipleBirthInteger": True}, "$.multipleBirthInteger"),
        ({"resourceType": "Patient", "name": {"family": "x"}}, "$.name"),
        ({"resourceType": "Patient", "name": []}, "$.name"),
        ({"resourceType": "Patient", "name": [{"given": ["a"], "_given": [None, None]}]}, "$.name[0].given"),
        ({"resourceType": "Patient", "name": [{"text": "a\x00b"}]}, "$.name[0].text"),
        ({"resourceType": "Patient", "_name": [{}]}, "$"),
        ({"resourceType": "Patient", "gender": None}, "$.gender"),
        ({"resourceType": "Patient", "text": {"status": "generated", "div": "<p>x</p>"}}, "$.text.div"),
        ({"resourceType": "Patient", "text": {"status": "generated", "div": "<div"}}, "$.text.div"),
        ({"resourceType": "Patient", "contained": [{"resourceType": "Nothing"}]}, "$.contained[0]"),
        ({"resourceType": "Patient", "deceasedBoolean": True, "deceasedDateTime": "2020"}, "$"),
        ({"resourceType": "HumanName"}, "$"),
        ({"resourceType": "Patient", "extension": [{"url": 5}]}, "$.extension[0].url"),
        ({"resourceType": "Patient", "active": True, "_active": {"value": "false"}}, "$.active"),
        ({"resourceType": "Patient", 1: "x"}, "$"),
    ],
)
def test_what_fhir_json_does_not_allow_is_not_written(resource: dict[str, Any], path: str) -> None:
    with pytest.raises(FHIRXMLError) as error:
        dumps(resource)
    assert error.value.problems[0].path == path
    assert "9434765919" not in str(error.value)


def test_decimals_are_written_exactly_from_decimal_int_or_float() -> None:
    def written(value: Any) -> str:
        text = dumps(
            {"resourceType": "Observation", "status": "final", "code": {}, "valueQuantity": {"value": value}}
        )
        return text.split('<value value="')[1].split('"')[0]

    assert [written(Decimal("1.50")), written(3), written(0.1)] == ["1.50", "3", "0.1"]
    for bad in (Decimal("NaN"), float("inf"), True, "1.5"):
        with pytest.raises(FHIRXMLError):
            written(bad)


def test_deep_json_is_refused() -> None:
    extension: dict[str, Any] = {"url": "http://example.org/e", "valueString": "x"}
    for _ in range(200):
        extension = {"url": "http://example.org/e", "extension": [extension]}
    with pytest.raises(FHIRXMLError) as error:
        dumps({"resourceType": "Patient", "extension": [extension]})
    assert error.value.reason is Reason.LENGTH


# --- generated resources -------------------------------------------------------------------------

MODEL = r4_model()
# Text XML 1.0 can carry (section 2.2), markup characters and white space included.
XML_TEXT = st.text(
    st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="".join(map(chr, [*range(0x20), 0xFFFE, 0xFFFF])),
    )
    | st.sampled_from("&<>\"'\t\n\r"),
    min_size=1,
    max_size=8,
)
RESOURCE_TYPES = ["Patient", "Observation", "Bundle", "Questionnaire", "MedicationRequest", "Organization"]


def primitive_values(type_code: str) -> st.SearchStrategy[Any]:
    if type_code == "boolean":
        return st.booleans()
    if type_code == "integer":
        return st.integers(-(2**31), 2**31 - 1)
    if type_code == "positiveInt":
        return st.integers(1, 2**31 - 1)
    if type_code == "unsignedInt":
        return st.integers(0, 2**31 - 1)
    if type_code == "decimal":
        return st.decimals(allow_nan=False, allow_infinity=False)
    return XML_TEXT


EXTENSIONS = st.fixed_dictionaries(
    {"url": st.just("http://example.org/x"), "valueString": XML_TEXT}, optional={"id": XML_TEXT}
)
PRIMITIVE_EXTRAS = st.fixed_dictionaries(
    {}, optional={"id": XML_TEXT, "extension": st.lists(EXTENSIONS, min_size=1, max_size=2)}
).filter(bool)


@st.composite
def elements(draw: st.DrawFn, container: str, depth: int) -> dict[str, Any]:
    """A JSON object with some of the elements the model allows in ``container``."""
    children = MODEL.children(container) or {}
    names = sorted(name for name, (element, code) in children.items() if code not in {"xhtml", "Resource"})
    chosen = (
        draw(st.lists(st.sampled_from(names), max_size=4 if depth < 2 else 2, unique=True)) if names else []
    )
    json: dict[str, Any] = {}
    choices: set[str] = set()
    for name in chosen:
        element, code = children[name]
        if element.path in choices or (element.xml_attribute and name != "id" and name != "url"):
            continue
        choices.add(element.path)
        count = draw(st.integers(1, 3)) if element.is_array else 1
        if element.xml_attribute:
            json[name] = draw(XML_TEXT)
        elif MODEL.is_primitive(code):
            values = [draw(st.none() | primitive_values(code)) for _ in range(count)]
            extras = [draw(st.none() | PRIMITIVE_EXTRAS) for _ in range(count)]
            extras = [
                extra if value is not None or extra is not None else {"id": "i"}
                for value, extra in zip(values, extras, strict=True)
            ]
            if any(value is not None for value in values):
                json[name] = values if element.is_array else values[0]
            if any(extra is not None for extra in extras):
                json["_" + name] = extras if element.is_array else extras[0]
        elif code == "Extension" or depth >= 3:
            items = [draw(EXTENSIONS) for _ in range(count)] if code == "Extension" else []
            if items:
                json[name] = items if element.is_array else items[0]
        else:
            items = [draw(elements(MODEL.children_of(element, code), depth + 1)) for _ in range(count)]
            json[name] = items if element.is_array else items[0]
    return json


@st.composite
def resources(draw: st.DrawFn) -> dict[str, Any]:
    resource_type = draw(st.sampled_from(RESOURCE_TYPES))
    return {"resourceType": resource_type, **draw(elements(resource_type, 0))}


@settings(max_examples=60, deadline=None)
@given(resources())
def test_generated_resources_survive_json_to_xml_to_json(resource: dict[str, Any]) -> None:
    text = dumps(resource)
    assert loads(text) == resource
    assert dumps(loads(text)) == text
