"""``nhsstd validate KIND VALUE...``: validate identifiers from the command line."""

from __future__ import annotations

import argparse
import enum
import json
import sys
from typing import Any

from nhsstd import identifiers
from nhsstd.exceptions import ValidationError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    kinds = ", ".join(kind.replace("_", "-") for kind in identifiers.KINDS)
    parser = subparsers.add_parser(
        "validate",
        help="validate one or more identifiers of one kind",
        description=(
            "Validate identifiers under nhsstd's normalisation policy. "
            f"KIND is one of: {kinds}. "
            "Exit status 0 if every value is valid, 1 if any is invalid, 2 for usage errors."
        ),
        epilog='example: nhsstd validate nhs-number "943 476 5919"',
    )
    parser.add_argument("kind", metavar="KIND", type=_kind, help="identifier kind, e.g. nhs-number")
    parser.add_argument("values", metavar="VALUE", nargs="+", help="value(s) to validate")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object per value (JSON Lines) for machines"
    )
    parser.add_argument(
        "--mask",
        action="store_true",
        help="mask valid values in the output (all but the last four characters)",
    )
    parser.set_defaults(handler=run)


def _kind(text: str) -> str:
    kind = text.strip().lower().replace("-", "_")
    if kind not in identifiers.KINDS:
        raise argparse.ArgumentTypeError(
            f"unknown kind {text!r}; choose from {', '.join(k.replace('_', '-') for k in identifiers.KINDS)}"
        )
    return kind


def _details(value: identifiers.Identifier) -> dict[str, Any]:
    """The value class's own read-only properties, JSON-ready."""
    details: dict[str, Any] = {}
    for cls in type(value).__mro__:
        if cls is identifiers.Identifier:
            break
        for name, attribute in vars(cls).items():
            if name.startswith("_") or not isinstance(attribute, property) or name in details:
                continue
            item = getattr(value, name)
            if isinstance(item, enum.Enum):
                item = item.value
            if item is None or isinstance(item, (str, int, bool)):
                details[name] = item
    return details


def _result(kind: str, raw: str, mask: bool) -> dict[str, Any]:
    cls = identifiers.value_class(kind)
    try:
        value = cls.parse(raw)
    except ValidationError as error:
        return {"kind": kind, "valid": False, "reason": error.reason.value, "error": str(error)}
    shown = value.masked() if mask else value.formatted
    compact = identifiers.mask(value.compact) if mask else value.compact
    result: dict[str, Any] = {"kind": kind, "valid": True, "compact": compact, "formatted": shown}
    if not mask:
        result["details"] = _details(value)
    return result


def run(args: argparse.Namespace) -> int:
    results = [_result(args.kind, raw, args.mask) for raw in args.values]
    label = identifiers.label(args.kind)
    for result in results:
        if args.json:
            sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        elif result["valid"]:
            sys.stdout.write(f"valid {label}: {result['formatted']}\n")
            for name, item in result.get("details", {}).items():
                shown = ("yes" if item else "no") if isinstance(item, bool) else item
                sys.stdout.write(f"  {name.replace('_', ' ')}: {shown}\n")
        else:
            sys.stdout.write(f"invalid {result['error']} [{result['reason']}]\n")
    return 0 if all(result["valid"] for result in results) else 1
