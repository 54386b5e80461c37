"""Sphinx configuration for the nhsstd documentation."""

from __future__ import annotations

import sys
from pathlib import Path

import nhsstd

# Local extensions (docs/_ext): nhsstd_codes generates the code-list tables from the enums.
sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "nhsstd"
author = "nhsstd contributors"
copyright = "2026, nhsstd contributors"
version = release = nhsstd.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.viewcode",
    "nhsstd_codes",
]

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
nitpicky = False

# Run every ``>>>`` block in the pages as a doctest (sphinx-build -b doctest).
doctest_test_doctest_blocks = "default"

html_theme = "furo"
html_title = f"nhsstd {release}"
exclude_patterns = ["_build"]
