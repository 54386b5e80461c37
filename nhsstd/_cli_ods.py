"""``nhsstd ods lookup|search``: the offline ODS register on the command line.

Exit status: 0 found, 1 not found (or no match), 2 usage errors and unreadable
or malformed extracts.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "ods",
        help="look organisations up in ODS CSV extracts (offline)",
        description=(
            "Look organisations up in ODS CSV extracts (epraccur, etr, ets... in the headerless 27-column "
            "layout), loaded into memory.  Exit status 0 if found, 1 if not, 2 for usage errors and "
            "malformed extracts."
        ),
    )
    commands = parser.add_subparsers(dest="ods_command", metavar="ACTION")
    commands.required = True

    lookup = commands.add_parser("lookup", help="one organisation by ODS code",
                                 epilog="example: nhsstd ods lookup Y12345 --extract epraccur.csv")
    lookup.add_argument("code", metavar="CODE", help="the ODS code")
    _source_arguments(lookup)
    lookup.set_defaults(handler=run_lookup)

    search = commands.add_parser("search", help="organisations by name, postcode, role or status",
                                 epilog="example: nhsstd ods search --postcode LS1 --role RO76 --sample")
    search.add_argument("--name", help="part of the name (any case)")
    search.add_argument("--postcode", help="a full postcode or its outward part (LS1)")
    search.add_argument("--role", help="an ODS role code such as RO76")
    search.add_argument("--status", choices=("active", "inactive"))
    search.add_argument("--limit", type=int, default=50, help="at most this many results (default 50)")
    _source_arguments(search)
    search.set_defaults(handler=run_search)


def _source_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--extract", metavar="FILE", action="append",
                       help="an extract file (.csv, or a .zip holding one); repeat for several")
    group.add_argument("--sample", action="store_true", help="use the synthetic sample shipped with nhsstd")
    parser.add_argument("--kind", help="extract kind (epraccur, etr, ets...) if the file name does not say")
    parser.add_argument(
        "--roles",
        metavar="RO...",
        help="comma-separated ODS role codes of the extract's records, primary first (needed for "
        "kinds other than epraccur, etr, ets, egdpprac, epcn and eccg); e.g. --roles RO177,RO76",
    )
    parser.add_argument("--encoding", default="utf-8", help="text encoding of the files (default utf-8)")
    parser.add_argument("--json", action="store_true", help="print JSON (one object per line)")


def _open(args: argparse.Namespace) -> Any:
    from nhsstd.registers.ods_offline import MalformedExtract, OfflineOdsRegister

    if args.sample:
        return OfflineOdsRegister.sample()
    register = OfflineOdsRegister()
    roles = None if args.roles is None else [role.strip() for role in args.roles.split(",") if role.strip()]
    try:
        for path in args.extract:
            register.load(path, kind=args.kind, roles=roles, encoding=args.encoding)
    except (OSError, MalformedExtract, ValueError) as error:
        register.close()
        message = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        sys.stderr.write(f"nhsstd ods: {message}\n")
        return None
    return register


def _as_json(organisation: Any) -> dict[str, Any]:
    address = organisation.address
    return {
        "ods_code": organisation.ods_code.compact if organisation.ods_code else None,
        "name": organisation.name,
        "active": organisation.active,
        "roles": [role.code for role in organisation.roles],
        "primary_role": organisation.primary_role.code if organisation.primary_role else None,
        "address": None if address is None else {
            "lines": list(address.lines),
            "city": address.city,
            "district": address.district,
            "postcode": str(address.postcode) if address.postcode else None,
        },
        "telephone": [point.value for point in organisation.telecom],
        "ods": organisation.extras.get("ods").thaw() if organisation.extras.get("ods") is not None else {},
    }


def _print(organisation: Any) -> None:
    data = _as_json(organisation)
    ods = data["ods"]
    sys.stdout.write(f"{data['ods_code']}  {data['name']}\n")
    status = "active" if data["active"] else "inactive"
    if ods.get("status_code"):
        status += f" ({ods['status_code']})"
    sys.stdout.write(f"  status: {status}\n")
    roles = []
    for role in organisation.roles:
        text = role.code + (f" {role.label}" if role.label else "")
        if role == organisation.primary_role:
            text += " (primary)"
        roles.append(text)
    if roles:
        sys.stdout.write(f"  roles: {', '.join(roles)}\n")
    address = data["address"]
    if address:
        parts = [*address["lines"], address["city"], address["district"], address["postcode"]]
        sys.stdout.write(f"  address: {', '.join(part for part in parts if part)}\n")
    for number in data["telephone"]:
        sys.stdout.write(f"  telephone: {number}\n")
    for key, label in (("open_date", "opened"), ("close_date", "closed"), ("parent_code", "parent")):
        if ods.get(key):
            sys.stdout.write(f"  {label}: {ods[key]}\n")


def run_lookup(args: argparse.Namespace) -> int:
    from nhsstd.registers import InvalidParameter

    register = _open(args)
    if register is None:
        return 2
    with register:
        try:
            organisation = register.lookup(args.code)
        except InvalidParameter as error:
            sys.stderr.write(f"nhsstd ods: {error}\n")
            return 2
        if organisation is None:
            sys.stderr.write("nhsstd ods: no organisation with this code in the extract(s)\n")
            return 1
        if args.json:
            sys.stdout.write(json.dumps(_as_json(organisation), ensure_ascii=False) + "\n")
        else:
            _print(organisation)
    return 0


def run_search(args: argparse.Namespace) -> int:
    from nhsstd.registers import InvalidParameter

    if args.limit < 1:
        sys.stderr.write("nhsstd ods: --limit must be at least 1\n")
        return 2
    register = _open(args)
    if register is None:
        return 2
    found = 0
    with register:
        try:
            results = list(register.search_organisations(
                name=args.name, postcode=args.postcode, role=args.role, status=args.status, limit=args.limit
            ))
        except InvalidParameter as error:
            sys.stderr.write(f"nhsstd ods: {error}\n")
            return 2
        for organisation in results:
            found += 1
            if args.json:
                sys.stdout.write(json.dumps(_as_json(organisation), ensure_ascii=False) + "\n")
            else:
                postcode = organisation.address.postcode if organisation.address else None
                state = "active" if organisation.active else "inactive"
                sys.stdout.write(f"{organisation.ods_code}\t{organisation.name}\t{postcode or ''}\t{state}\n")
    return 0 if found else 1
