"""Importing nhsstd, or one part of it, loads only what that part uses (issue 15: start-up).

``import nhsstd`` and the conformance validator stay clear of the column, register and
data-frame libraries, the models and the code lists; every public name stays importable
(PEP 562 module ``__getattr__``).  Each check runs in a fresh interpreter, where nothing is
imported yet.  Speed itself is measured by benchmarks/conformance.py, not here.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import nhsstd

PACKAGE = Path(nhsstd.__file__).parent
PATIENT = Path(__file__).parent / "fixtures" / "fhir" / "ukcore" / "UKCore-Patient-RichardSmith-Example.json"

#: What no start-up path may import: the optional extras' libraries and the parts that use them.
HEAVY = ("pyarrow", "pandas", "polars", "numpy", "httpx", "nhsstd.registers", "nhsstd.columns")
#: What the conformance validator does not use: the models, their FHIR serialisers, the code lists.
NOT_FOR_CONFORMANCE = (*HEAVY, "nhsstd.models._catalogue", "nhsstd.fhir._api", "nhsstd.codes", "cattrs")


def _modules_after(code: str) -> set[str]:
    """The modules loaded by a fresh interpreter after running ``code``."""
    listing = "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    run = subprocess.run(
        [sys.executable, "-c", code + listing], capture_output=True, text=True, check=True, timeout=120
    )
    loaded: list[str] = json.loads(run.stdout.splitlines()[-1])
    return set(loaded)


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """Those of ``modules`` that are one of ``names`` or inside one of them."""
    return sorted(
        module for module in modules if any(module == n or module.startswith(n + ".") for n in names)
    )


def test_import_nhsstd_loads_nothing_but_itself() -> None:
    modules = _modules_after("import nhsstd")
    assert _loaded(modules, HEAVY) == []
    # the code lists, identifiers and models come on first use
    assert sorted(m for m in modules if m.startswith("nhsstd")) == [
        "nhsstd",
        "nhsstd._lazy",
        "nhsstd._version",
    ]


@pytest.mark.parametrize(
    "code",
    [
        "import nhsstd.conformance",
        f"from nhsstd.conformance import validate\nassert validate(open({str(PATIENT)!r}, 'rb').read()).ok",
    ],
    ids=["import", "first verdict"],
)
def test_the_conformance_validator_loads_only_what_it_uses(code: str) -> None:
    modules = _modules_after(code)
    assert _loaded(modules, NOT_FOR_CONFORMANCE) == []
    assert "nhsstd.models._patient" not in modules


def test_nhsstd_conform_loads_no_other_command_s_libraries() -> None:
    code = f"from nhsstd.cli import main\nassert main(['conform', '--no-progress', {str(PATIENT)!r}]) == 0"
    modules = _modules_after(code)
    # rich draws the progress bar, worker processes need multiprocessing: neither is asked for here
    assert _loaded(modules, (*NOT_FOR_CONFORMANCE, "rich", "multiprocessing")) == []


def _public_modules() -> list[str]:
    """Every public module of nhsstd (no step of its name private), from the source files."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if not any(part.startswith("_") for part in parts):
            names.append(".".join(parts))
    return names


def test_every_public_name_resolves_and_is_listed_by_dir() -> None:
    # In one fresh interpreter, each module's __all__ before anything else touches it.
    code = (
        "import importlib, json\n"
        "problems = {}\n"
        f"for name in {_public_modules()!r}:\n"
        "    module = importlib.import_module(name)\n"
        "    public = getattr(module, '__all__', None)\n"
        "    if public is None:\n"
        "        continue\n"
        "    unresolved = [n for n in public if not hasattr(module, n)]\n"
        "    unlisted = sorted(set(public) - set(dir(module)))\n"
        "    if unresolved or unlisted:\n"
        "        problems[name] = [unresolved, unlisted]\n"
        "print(json.dumps(problems))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert json.loads(run.stdout.splitlines()[-1]) == {}


@pytest.mark.parametrize(
    ("package", "name", "defined_in"),
    [
        ("nhsstd", "mask", "nhsstd.identifiers._common"),
        ("nhsstd.models", "Patient", "nhsstd.models._patient"),
        ("nhsstd.identifiers", "NHSNumber", "nhsstd.identifiers.nhs_number"),
        ("nhsstd.fhir", "FHIRWarning", "nhsstd.fhir._context"),
        ("nhsstd.registers", "OfflineOdsRegister", "nhsstd.registers.ods_offline"),
    ],
)
def test_a_lazy_name_is_the_object_its_module_defines(package: str, name: str, defined_in: str) -> None:
    code = (
        f"import importlib\npackage = importlib.import_module({package!r})\n"
        f"value = getattr(package, {name!r})\n"
        f"assert value is getattr(importlib.import_module({defined_in!r}), {name!r})\n"
        # once resolved it is a plain attribute of the package
        f"assert vars(package)[{name!r}] is value"
    )
    assert f"{defined_in}" in _modules_after(code)


@pytest.mark.parametrize(
    "package", ["nhsstd", "nhsstd.models", "nhsstd.identifiers", "nhsstd.fhir", "nhsstd.registers"]
)
def test_an_unknown_name_is_an_attribute_error(package: str) -> None:
    module, name = importlib.import_module(package), "no_such_name"
    with pytest.raises(AttributeError, match=f"module '{package}' has no attribute 'no_such_name'"):
        getattr(module, name)
    assert not hasattr(module, name)
