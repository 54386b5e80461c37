"""Print or rewrite the shipped JSON Schema: ``python -m nhsstd.schema [--write | --check]``."""

from __future__ import annotations

import argparse
import sys
from importlib import resources

from nhsstd.schema import SCHEMA_FILE, render_schema, schema_text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nhsstd.schema", description=__doc__)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", action="store_true", help="rewrite the shipped schema file")
    group.add_argument("--check", action="store_true", help="exit 1 if the shipped file is out of date")
    args = parser.parse_args(argv)
    text = render_schema()
    if args.check:
        if text != schema_text():
            print(f"{SCHEMA_FILE} is out of date: run python -m nhsstd.schema --write", file=sys.stderr)
            return 1
        return 0
    if args.write:
        target = resources.files("nhsstd.schema").joinpath(SCHEMA_FILE)
        with resources.as_file(target) as path:
            path.write_text(text, encoding="utf-8")
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
