"""The JSON Schema of :mod:`nhsstd.json` documents.

The schema ships with the package (``nhsstd/schema/document-v1.schema.json``)
and is generated from the models; a test checks that regenerating it gives
the same file.  Regenerate after changing a model with::

    python -m nhsstd.schema --write

>>> schema = load_schema()
>>> schema["$id"], sorted(schema["$defs"]["PatientDocument"]["properties"])[:3]
('urn:nhsstd:json-schema:document:1', ['addresses', 'birth_date', 'chi_number'])

Validate a document with any JSON Schema (draft 2020-12) validator, for
example ``jsonschema``.  The schema checks shapes, patterns and code lists;
:func:`nhsstd.json.from_json` also checks check digits, calendar dates and the
models' rules, so it is the final word.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from nhsstd.schema._generate import SCHEMA_ID, generate_schema, render_schema

__all__ = ["SCHEMA_FILE", "SCHEMA_ID", "generate_schema", "load_schema", "render_schema", "schema_text"]

#: Name of the shipped schema file, inside this package.
SCHEMA_FILE = "document-v1.schema.json"


def schema_text() -> str:
    """The text of the shipped schema file."""
    return resources.files(__name__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def load_schema() -> dict[str, Any]:
    """The shipped schema, parsed."""
    schema: dict[str, Any] = json.loads(schema_text())
    return schema
