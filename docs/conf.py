"""Sphinx configuration for the nhsstd documentation."""

from __future__ import annotations

import nhsstd

project = "nhsstd"
author = "nhsstd contributors"
copyright = "2026, nhsstd contributors"
version = release = nhsstd.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.viewcode",
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
