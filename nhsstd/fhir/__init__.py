"""FHIR R4 UK Core for the nhsstd models: Patient, Practitioner, Organization, PractitionerRole.

>>> from nhsstd import fhir
>>> patient = fhir.loads(
...     '{"resourceType": "Patient", "id": "p1",'
...     ' "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}],'
...     ' "birthDate": "1970-09"}')
>>> patient.nhs_number, str(patient.birth_date)
(NHSNumber('*** *** 5919'), '1970-09')
>>> fhir.dumps(patient)
'{"resourceType":"Patient","id":"p1","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number",\
"value":"9434765919"}],"birthDate":"1970-09"}'

Reading is liberal (legacy PDS URLs are accepted with a :class:`LegacyURLWarning`, which
``on_warning=`` can collect per call instead of :mod:`warnings`),
writing canonical; what the models do not hold is kept in ``model.extras["fhir"]`` so that
the resource is written back as it was.  See ``docs/fhir.rst``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nhsstd import _lazy

if TYPE_CHECKING:
    from nhsstd._serialisation import Problem, SerialisationError
    from nhsstd.fhir._api import RESOURCE_TYPES, Model, converter, dumps, from_fhir, loads, to_fhir
    from nhsstd.fhir._context import (
        CanonicalisationWarning,
        FHIRWarning,
        IdentifierMode,
        InvalidIdentifierWarning,
        LegacyURLWarning,
        WarningHandler,
    )

__all__ = [
    "RESOURCE_TYPES",
    "CanonicalisationWarning",
    "FHIRWarning",
    "IdentifierMode",
    "InvalidIdentifierWarning",
    "LegacyURLWarning",
    "Model",
    "Problem",
    "SerialisationError",
    "WarningHandler",
    "converter",
    "dumps",
    "from_fhir",
    "loads",
    "to_fhir",
]

# Imported on first use: the FHIR XML reader and the conformance validator need only the
# R4 structure model (``nhsstd.fhir._structure``), not the models' serialisers.
_LAZY: dict[str, str] = {
    "Problem": "nhsstd._serialisation",
    "SerialisationError": "nhsstd._serialisation",
    "RESOURCE_TYPES": "._api",
    "Model": "._api",
    "converter": "._api",
    "dumps": "._api",
    "from_fhir": "._api",
    "loads": "._api",
    "to_fhir": "._api",
    "CanonicalisationWarning": "._context",
    "FHIRWarning": "._context",
    "IdentifierMode": "._context",
    "InvalidIdentifierWarning": "._context",
    "LegacyURLWarning": "._context",
    "WarningHandler": "._context",
}

if not TYPE_CHECKING:  # type checkers see the names imported above, and so catch misspelt ones
    __getattr__, __dir__ = _lazy.hooks(__name__, _LAZY, __all__)
