"""FHIR R4 conformance: validate resources against the base definitions, UK Core and your own profiles.

Offline and JVM-free.  The R4 core and UK Core STU2 (2.0.2) rules ship compiled
in the wheel; a supplier's own implementation guide loads with
``Validator(packages=[...])``.

>>> from nhsstd import conformance
>>> patient = {
...     "resourceType": "Patient",
...     "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765918"}],
...     "gender": "woman",
...     "birthDate": "1970-02-30",
... }
>>> outcome = conformance.validate(patient)
>>> outcome.ok
False
>>> for issue in outcome.errors:
...     print(issue.location, issue.rule)
Patient.identifier[0].value nhsstd-identifier
Patient.gender nhsstd-binding
Patient.birthDate nhsstd-format

Messages describe the problem and never repeat the value (the NHS Number
above is nowhere in the outcome):

>>> "9434765918" in str(outcome)
False

What is checked: unknown elements; the JSON shape (arrays, nulls, empty
values: ``ele-1``); primitive formats (the R4 regexes, real calendar dates);
cardinalities; fixed and pattern values; slicing (value, pattern, type,
profile and exists discriminators; closed and ordered slicing); extensions
(known URL, context, value type, ``ext-1``); bindings (required: error,
extensible: warning; codes from value sets that cannot be expanded offline,
such as SNOMED CT ones, are reported as information unless a terminology
client is given); every FHIRPath invariant of the base and the profiles;
references (format, contained resources, Bundle entries by ``fullUrl``, target
types); Bundles (every entry against its own profiles); for XML text, the element
order of the definitions (rule ``nhsstd-xml-order``); and nhsstd's
identifier rules (an NHS Number, ODS code, GMC number... under its FHIR system
must pass its check: rule ``nhsstd-identifier``).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from nhsstd.conformance._fhirpath import InvariantEngine
from nhsstd.conformance._outcome import Issue, Outcome, Severity
from nhsstd.conformance._pack import TERMINOLOGY_FILE, USER_PACKAGE_LAYOUT, RulePack
from nhsstd.conformance._parse import parse
from nhsstd.conformance._profile_check import ProfileProblem, broken_profiles
from nhsstd.conformance._terminology import Terminology, merged_terminology
from nhsstd.conformance._validator import Walker
from nhsstd.exceptions import InvalidFormat, Reason
from nhsstd.fhir._structure import r4_model

if TYPE_CHECKING:
    from nhsstd.registers.terminology import TerminologyClient

__all__ = ["Issue", "Outcome", "PackageError", "ProfileError", "Severity", "Validator", "validate"]

#: What a malformed package raises while it is read and compiled (missing keys, wrong JSON
#: types, bad JSON or XML, absurd nesting), beside tarfile.TarError (not a tar archive).
_BAD_PACKAGE = (KeyError, TypeError, ValueError, AttributeError, RecursionError)


class Validator:
    """Validates FHIR R4 resources; load it once and share it (it is thread-safe).

    :param packages: your own implementation guides: NPM-format package directories or
        ``.tgz`` files, with JSON or XML resources.  Each is compiled on first use and the
        result kept in the user cache directory (``$NHSSTD_CACHE_DIR``, else
        ``$XDG_CACHE_HOME/nhsstd`` or ``~/.cache/nhsstd``), named by the package's content
        hash, so a changed package is compiled again.  Their ValueSets and CodeSystems are
        compiled too, so bindings to them are checked; a ValueSet may import one of another
        package given here.
    :raises PackageError: a package cannot be read or compiled.
    :raises ProfileError: a profile of a package is broken (an unknown element path, an
        unknown, cyclic or other-type ``baseDefinition``, a slice added to a closed slicing).
    :param terminology: a terminology server client (:mod:`nhsstd.registers.terminology`)
        for the codes of value sets that cannot be expanded offline (SNOMED CT...).

    >>> validator = Validator()
    >>> validator.validate({"resourceType": "Patient", "gender": "female"}).ok
    True
    >>> validator.validate({"resourceType": "Patient", "gender": ["female"]}).errors[0].rule
    'nhsstd-shape'
    """

    def __init__(
        self, packages: Sequence[str | os.PathLike[str]] = (), *, terminology: TerminologyClient | None = None
    ) -> None:
        compiled = [_compiled_package(Path(package)) for package in packages]
        pack = RulePack.from_files(compiled) if compiled else _shipped_pack()
        for package, urls in zip(packages, pack.section_urls[1:], strict=True):
            # Checked on the merged pack: a profile's base may be in another of the packages.
            problems = broken_profiles(pack, r4_model(), urls)
            if problems:
                raise ProfileError(Path(package), problems)
        shipped = _shipped_terminology()
        own = pack.terminology_sections
        if len(compiled) > 1:  # compiled together, so that one may import another's value sets
            own = [_joint_terminology([Path(package) for package in packages], compiled)]
        codes = Terminology(merged_terminology([shipped, *own]) if own else shipped, client=terminology)
        self._walker = Walker(pack, r4_model(), codes, InvariantEngine(terminology=codes))

    def validate(
        self, resource: Mapping[str, Any] | str | bytes, *, profiles: Sequence[str] | None = None,
        uk_core: bool = True,
    ) -> Outcome:  # fmt: skip
        """Check one resource (a dict, FHIR JSON text or FHIR XML text).

        :param profiles: canonical URLs of profiles to check against, on top of the base
            definition and the resource's ``meta.profile``.
        :param uk_core: also check against the UK Core profile of the resource's type
            (where UK Core has one); ``False`` checks the base and named profiles only.
        :raises KeyError: a profile in ``profiles`` is not known to this validator.
        :raises TypeError: ``resource`` is not a mapping, ``str`` or ``bytes``.
        """
        named = list(profiles or ())
        for url in named:
            if not self._walker.pack.knows(url):
                raise KeyError(f"unknown profile {url!r}: load its package with Validator(packages=[...])")
        out_of_order: tuple[Issue, ...] = ()
        if isinstance(resource, (str, bytes)):
            parsed = parse(resource)
            if isinstance(parsed, Issue):
                return Outcome((parsed,))
            resource, out_of_order = parsed
        elif not isinstance(resource, Mapping):
            raise TypeError(
                f"expected a FHIR resource (mapping, JSON or XML text), got {type(resource).__name__}"
            )
        outcome = self._walker.validate(resource, named, uk_core)
        # XML only: elements out of order come first, as the reader found them before the walk.
        return Outcome(out_of_order + outcome.issues) if out_of_order else outcome


def validate(
    resource: Mapping[str, Any] | str | bytes, *, profiles: Sequence[str] | None = None, uk_core: bool = True,
    terminology: TerminologyClient | None = None,
) -> Outcome:  # fmt: skip
    """Check one resource with the embedded R4 core and UK Core rules (see :class:`Validator`).

    >>> validate('{"resourceType": "Patient", "birthDate": "1970"}').ok
    True
    >>> validate("{not json").issues[0].severity
    'fatal'
    """
    validator = _default_validator() if terminology is None else Validator(terminology=terminology)
    return validator.validate(resource, profiles=profiles, uk_core=uk_core)


# --- loading, once per process ---------------------------------------------------------------------

_lock = threading.RLock()
_loaded: dict[str, Any] = {}


def _load_once(name: str, load: Any) -> Any:
    # The shipped pack and terminology are read-only: loaded once, then shared by every Validator.
    found = _loaded.get(name)
    if found is None:
        with _lock:
            found = _loaded.get(name)
            if found is None:
                found = _loaded[name] = load()
    return found


def _shipped_pack() -> RulePack:
    pack: RulePack = _load_once("pack", RulePack.shipped)
    return pack


def _shipped_terminology() -> Mapping[str, Any]:
    data: Mapping[str, Any] = _load_once("terminology", lambda: orjson.loads(TERMINOLOGY_FILE.read_bytes()))
    return data


def _default_validator() -> Validator:
    validator: Validator = _load_once("validator", Validator)
    return validator


# --- user packages ---------------------------------------------------------------------------------


def _cache_dir() -> Path:
    configured = os.environ.get("NHSSTD_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "nhsstd"


def _content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    if path.is_file():
        digest.update(path.read_bytes())
    elif path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(file.relative_to(path).as_posix().encode() + b"\0")
            digest.update(file.read_bytes())
    else:
        raise FileNotFoundError(f"no FHIR package at {path}")
    return digest.hexdigest()


class PackageError(InvalidFormat):
    """A FHIR package given to :class:`Validator` could not be read or compiled.

    The message names the package and what is wrong; :attr:`reason` is ``format``.
    """

    def __init__(self, package: Path, problem: str) -> None:
        super().__init__(Reason.FORMAT, detail=f"FHIR package {package}: {problem}")
        self.package = package

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_package_error, (self.package, str(self)))


class ProfileError(PackageError):
    """A profile of a FHIR package given to :class:`Validator` is broken.

    Raised when the package is loaded, before anything is validated: a differential element
    whose path names no element (``problem`` ``unknown-element``), a ``baseDefinition`` that is
    not loaded (``unknown-base``), of another type (``base-type``) or that leads back to the
    profile (``base-cycle``), a slice added to a slicing an ancestor profile closed
    (``closed-slicing``).  :attr:`profile`, :attr:`path` and :attr:`problem` describe the
    first fault; :attr:`problems` lists them all, and the message names each.  :attr:`reason`
    is ``format``, as for every :class:`PackageError`.
    """

    def __init__(self, package: Path, problems: Sequence[ProfileProblem]) -> None:
        listed = "; ".join(str(problem) for problem in problems)
        super().__init__(package, f"{len(problems)} fault(s) in its profiles: {listed}")
        self.problems = tuple(problems)
        self.profile, self.path, self.problem = problems[0].profile, problems[0].path, problems[0].problem

    def __reduce__(self) -> tuple[object, ...]:
        return (ProfileError, (self.package, self.problems))


def _rebuild_package_error(package: Path, text: str) -> PackageError:
    error = PackageError.__new__(PackageError)
    error.reason, error.kind, error.package = Reason.FORMAT, None, package
    Exception.__init__(error, text)
    return error


def _compiled_package(path: Path) -> Path:
    """The compiled form of a user's package, compiling it on first use."""
    target = _cache_dir() / "conformance" / f"{_content_hash(path)}-{USER_PACKAGE_LAYOUT}.json"
    if not target.exists():
        # Imported here, as the compiler is: most runs never see a package of their own.
        import tarfile
        import tempfile

        from nhsstd.conformance._compile import compile_user_package, dump

        try:
            compiled = compile_user_package(path, _shipped_terminology())
            RulePack([compiled]).check_profiles()
        except (*_BAD_PACKAGE, tarfile.TarError) as error:
            raise PackageError(path, _problem(error)) from error
        text = dump(compiled)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written beside and renamed, so a concurrent reader never sees half a file.
        with tempfile.NamedTemporaryFile("w", dir=target.parent, delete=False, encoding="utf-8") as handle:
            handle.write(text)
        os.replace(handle.name, target)
    return target


def _problem(error: Exception) -> str:
    """What a package's compile failed on (a RecursionError's text is not useful)."""
    if isinstance(error, RecursionError):
        return "nested too deeply"
    return f"{type(error).__name__}: {error}"


def _joint_terminology(paths: Sequence[Path], compiled: Sequence[Path]) -> Mapping[str, Any]:
    """The ValueSets and CodeSystems of several packages compiled together, compiling on first use.

    Each package's compiled file holds its terminology compiled alone, where a ValueSet that
    imports one of another package is not expandable; this section replaces theirs.  Cached
    under the names of the packages' compiled files (their content hashes), in order.
    """
    key = hashlib.sha256("\0".join(file.name for file in compiled).encode()).hexdigest()
    target = _cache_dir() / "conformance" / f"{key}-terminology-{USER_PACKAGE_LAYOUT}.json"
    if not target.exists():
        import tarfile
        import tempfile

        from nhsstd.conformance._compile import dump, read_package
        from nhsstd.conformance._terminology import compile_packages_terminology

        try:
            section = compile_packages_terminology(
                [read_package(path) for path in paths], _shipped_terminology()
            )
        except (*_BAD_PACKAGE, tarfile.TarError) as error:
            raise PackageError(paths[-1], f"compiled with the other packages: {_problem(error)}") from error
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=target.parent, delete=False, encoding="utf-8") as handle:
            handle.write(dump(section))
        os.replace(handle.name, target)
        return section
    loaded: Mapping[str, Any] = orjson.loads(target.read_bytes())
    return loaded
