"""``python -m nhsstd``: the same as the ``nhsstd`` command."""

from __future__ import annotations

import sys

from nhsstd.cli import main

sys.exit(main())
