"""``nhsstd sandbox``: run the local register sandbox until Ctrl-C."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "sandbox",
        help="run a local sandbox of PDS, ODS (ORD, ODT), a terminology server and an OAuth2 token endpoint",
        description=(
            "Serve the local register sandbox on 127.0.0.1 until interrupted (Ctrl-C).  It answers like the "
            "published PDS sandbox, serves ODS data from the given extracts (or the synthetic sample), "
            "a tiny "
            "terminology server, and token endpoints that verify signed JWTs against a test key."
        ),
        epilog="example: nhsstd sandbox --port 9000",
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    parser.add_argument("--extract", metavar="FILE", action="append",
                        help="serve ODS data from this extract instead of the sample; repeat for several")
    parser.add_argument("--require-auth", action="store_true",
                        help="demand bearer tokens / API keys, as the integration environment does")
    parser.add_argument("--duration", type=float, default=None, metavar="SECONDS",
                        help="stop after this many seconds (default: run until interrupted)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from nhsstd.registers.ods_offline import MalformedExtract, OfflineOdsRegister
    from nhsstd.testing.sandbox import Sandbox, _describe, serve

    if args.duration is not None and args.duration < 0:
        sys.stderr.write("nhsstd sandbox: --duration must not be negative\n")
        return 2
    register = None
    if args.extract:
        register = OfflineOdsRegister()
        try:
            for path in args.extract:
                register.load(path)
        except (OSError, MalformedExtract, ValueError) as error:
            register.close()
            sys.stderr.write(f"nhsstd sandbox: {error}\n")
            return 2
    try:
        sandbox = Sandbox(host=args.host, port=args.port, register=register, require_auth=args.require_auth)
    except ValueError as error:
        sys.stderr.write(f"nhsstd sandbox: {error}\n")
        return 2
    try:
        sandbox.start()
    except OSError as error:
        sys.stderr.write(f"nhsstd sandbox: cannot listen: {error.strerror or error}\n")
        sandbox.close()
        return 2
    try:
        sys.stdout.write(f"nhsstd sandbox listening on {sandbox.url} (Ctrl-C to stop)\n")
        for line in _describe(sandbox):
            sys.stdout.write(f"  {line}\n")
        sys.stdout.flush()
        serve(sandbox, duration=args.duration)
    finally:
        sandbox.close()
        if register is not None:
            register.close()
    return 0
