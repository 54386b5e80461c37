"""Sphinx extension: tables of nhsstd code lists, generated from the enums at build time.

Usage in a page::

    .. nhsstd-code-list:: nhsstd.codes.PersonStatedGenderCode
    .. nhsstd-code-mapping:: nhsstd.codes.ADMINISTRATIVE_GENDER_TO_STATED_GENDER

renders what the code list is (Data Dictionary name, FHIR CodeSystem, notes),
a table of every code with its label, kind and Python name, and the sources.
The page therefore can never disagree with the code.
"""

from __future__ import annotations

import importlib
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective


def _resolve(path: str) -> Any:
    module_name, _, attribute = path.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def _cell(text: str) -> str:
    return text.replace("|", "\\|") if text else "\\-"


class CodeListDirective(SphinxDirective):
    """``.. nhsstd-code-list:: dotted.path.To.CodeList``"""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        code_list = _resolve(self.arguments[0])
        system = code_list.code_system
        lines = [
            f"**Data Dictionary element:** {system.name}",
            "",
            f"**Python:** :class:`{self.arguments[0]}` (JSON code system key ``{system.key}``)",
            "",
        ]
        if system.fhir_system:
            lines += [f"**FHIR CodeSystem:** ``{system.fhir_system}``", ""]
        else:
            lines += ["**FHIR CodeSystem:** none", ""]
        if system.notes:
            lines += [system.notes, ""]
        if hasattr(code_list, "codes"):
            rows = [
                (
                    member.code,
                    member.label,
                    str(member.kind),
                    "yes" if member.fhir_system else "no",
                    member.name,
                )
                for member in code_list
            ]
            header = ("Code", "Label", "Kind", "In FHIR CodeSystem", "Python name")
        else:  # ODSRole: a value class with named members
            rows = [
                (
                    role.code,
                    role.label or "",
                    "primary" if role.primary_in_snapshot else "non-primary",
                    "yes",
                    role.name,
                )
                for role in code_list.members()
            ]
            header = ("Code", "Label", "Role in the snapshot", "In FHIR CodeSystem", "Python name")
        lines += [".. list-table::", "   :header-rows: 1", ""]
        for row in (header, *rows):
            lines.append(f"   * - {_cell(row[0])}")
            lines.extend(f"     - {_cell(cell)}" for cell in row[1:])
        lines += ["", "**Sources:**", ""]
        for source in system.sources:
            lines.append(f"* {source}" if source.startswith("http") else f"* ``{source}``")
        lines.append("")

        container = nodes.container()
        self.state.nested_parse(
            StringList(lines, source=self.get_source_info()[0]), self.content_offset, container
        )
        return container.children


class CodeMappingDirective(SphinxDirective):
    """``.. nhsstd-code-mapping:: dotted.path.TO_MAPPING`` -- a table of a ``dict`` of members."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        mapping = _resolve(self.arguments[0])
        first_source, first_target = next(iter(mapping.items()))
        header = (type(first_source).code_system.name, "Label", type(first_target).code_system.name, "Label")
        lines = [".. list-table::", "   :header-rows: 1", ""]
        rows = [(source.code, source.label, target.code, target.label) for source, target in mapping.items()]
        for row in (header, *rows):
            lines.append(f"   * - {_cell(row[0])}")
            lines.extend(f"     - {_cell(cell)}" for cell in row[1:])
        lines.append("")
        container = nodes.container()
        self.state.nested_parse(
            StringList(lines, source=self.get_source_info()[0]), self.content_offset, container
        )
        return container.children


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("nhsstd-code-list", CodeListDirective)
    app.add_directive("nhsstd-code-mapping", CodeMappingDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
