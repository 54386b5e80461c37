"""Clients for the NHS registers: PDS, ODS (online and offline) and the Terminology Server.

=====================  ===========================================  =============================
Register               Clients                                      Module
=====================  ===========================================  =============================
PDS FHIR               :class:`PdsClient`, :class:`AsyncPdsClient`  :mod:`nhsstd.registers.pds`
ODS ORD (open API)     :class:`OrdClient`, :class:`AsyncOrdClient`  :mod:`nhsstd.registers.ods`
ODS ODT (FHIR R4)      :class:`OdtClient`, :class:`AsyncOdtClient`  :mod:`nhsstd.registers.ods`
ODS CSV extracts       :class:`OfflineOdsRegister`                  :mod:`nhsstd.registers.ods_offline`
Terminology Server     :class:`TerminologyClient`,                  :mod:`nhsstd.registers.terminology`
                       :class:`AsyncTerminologyClient`
=====================  ===========================================  =============================

The online clients need the ``registers`` extra (``pip install nhsstd[registers]``:
httpx, PyJWT, cryptography); the offline ODS register and the errors need
nothing beyond nhsstd itself.  Names are imported on first use, so
``import nhsstd.registers`` stays cheap.

Every error is a :class:`RegisterError`:

>>> from nhsstd import registers
>>> issubclass(registers.NotFound, registers.RegisterError)
True
>>> registers.Environment.SANDBOX.value
'sandbox'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nhsstd import _lazy
from nhsstd.registers._core import Environment, RateLimit, RetryPolicy, Timeouts
from nhsstd.registers._errors import (
    AuthConfigurationError,
    Forbidden,
    Invalidated,
    InvalidParameter,
    InvalidPatch,
    InvalidRequest,
    MalformedResponse,
    NotFound,
    RateLimited,
    Redirected,
    RegisterConnectionError,
    RegisterError,
    RegisterTimeout,
    ResponseTooLarge,
    ServerError,
    TokenError,
    TooCostly,
    TooManyMatches,
    Unauthorised,
    VersionConflict,
)

if TYPE_CHECKING:  # pragma: no cover
    from nhsstd.registers.auth import (
        ApiKeyAuth,
        BearerTokenAuth,
        ClientCredentialsAuth,
        SignedJwtAuth,
    )
    from nhsstd.registers.ods import (
        AsyncOdtClient,
        AsyncOrdClient,
        OdtClient,
        OrdClient,
        OrganisationRegister,
    )
    from nhsstd.registers.ods_offline import MalformedExtract, OfflineOdsRegister
    from nhsstd.registers.pds import AsyncPdsClient, PdsClient, PdsMatch, PdsPatient, PdsRelatedPerson
    from nhsstd.registers.terminology import AsyncTerminologyClient, TerminologyClient

__all__ = [
    "ApiKeyAuth",
    "AsyncOdtClient",
    "AsyncOrdClient",
    "AsyncPdsClient",
    "AsyncTerminologyClient",
    "AuthConfigurationError",
    "BearerTokenAuth",
    "ClientCredentialsAuth",
    "Environment",
    "Forbidden",
    "InvalidParameter",
    "InvalidPatch",
    "InvalidRequest",
    "Invalidated",
    "MalformedExtract",
    "MalformedResponse",
    "NotFound",
    "OdtClient",
    "OfflineOdsRegister",
    "OrdClient",
    "OrganisationRegister",
    "PdsClient",
    "PdsMatch",
    "PdsPatient",
    "PdsRelatedPerson",
    "RateLimit",
    "RateLimited",
    "Redirected",
    "RegisterConnectionError",
    "RegisterError",
    "RegisterTimeout",
    "ResponseTooLarge",
    "RetryPolicy",
    "ServerError",
    "SignedJwtAuth",
    "TerminologyClient",
    "Timeouts",
    "TokenError",
    "TooCostly",
    "TooManyMatches",
    "Unauthorised",
    "VersionConflict",
]

_LAZY: dict[str, str] = {
    "ApiKeyAuth": ".auth",
    "BearerTokenAuth": ".auth",
    "ClientCredentialsAuth": ".auth",
    "SignedJwtAuth": ".auth",
    "AsyncOdtClient": ".ods",
    "AsyncOrdClient": ".ods",
    "OdtClient": ".ods",
    "OrdClient": ".ods",
    "OrganisationRegister": ".ods",
    "MalformedExtract": ".ods_offline",
    "OfflineOdsRegister": ".ods_offline",
    "AsyncPdsClient": ".pds",
    "PdsClient": ".pds",
    "PdsMatch": ".pds",
    "PdsPatient": ".pds",
    "PdsRelatedPerson": ".pds",
    "AsyncTerminologyClient": ".terminology",
    "TerminologyClient": ".terminology",
}

if not TYPE_CHECKING:  # type checkers see the names imported above, and so catch misspelt ones
    __getattr__, __dir__ = _lazy.hooks(__name__, _LAZY, __all__)
