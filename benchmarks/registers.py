"""Register clients and the offline ODS register: overhead, concurrency and load/lookup speed.

Run: ``python benchmarks/registers.py`` (needs the ``registers`` extra).  Everything runs
against the local sandbox (:mod:`nhsstd.testing.sandbox`) on 127.0.0.1 -- no internet.

Measured, in one run:

1. ``PdsClient.get_patient`` against a bare ``httpx.Client.get`` of the same URL (with
   the same headers, and parsing the JSON body), on the same sandbox, interleaved in
   rounds, median per-call time of each.  Target (issue 6): ratio at most 1.5.  The
   client-side rate limiter is switched off here (``rate_limit=None``): at PDS's published
   5 requests per second it would measure the limiter, not the client.
2. ``AsyncPdsClient``: 50 concurrent ``get_patient`` calls; target: no errors.
3. ``OfflineOdsRegister``: loading a synthetic 250 000-row extract in the real 27-column
   layout (target under 5 s) and lookups by code of codes drawn uniformly from all of them
   (target 50 000 per second: almost every lookup builds its model); for comparison, lookups
   of a small working set (served by the register's cache) and the bare SQLite row lookup.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import uuid

import httpx
from _results import record

from nhsstd.registers.ods_offline import EXTRACT_COLUMNS, OfflineOdsRegister
from nhsstd.registers.pds import AsyncPdsClient, PdsClient
from nhsstd.testing.sandbox import Sandbox

NUMBER = "9000000009"


def pds_overhead(sandbox: Sandbox, calls: int, rounds: int) -> tuple[float, float]:
    """Median seconds per call: (bare httpx GET + JSON, PdsClient.get_patient)."""
    url = f"{sandbox.pds_url}/Patient/{NUMBER}"
    headers = {"Accept": "application/fhir+json"}
    bare_times: list[float] = []
    client_times: list[float] = []
    with httpx.Client() as http, PdsClient(base_url=sandbox.pds_url, rate_limit=None) as pds:
        for _ in range(50):  # warm up both (connections, imports, caches)
            http.get(url, headers={**headers, "X-Request-ID": str(uuid.uuid4())}).json()
            pds.get_patient(NUMBER)
        for _ in range(rounds):
            started = time.perf_counter()
            for _ in range(calls):
                response = http.get(url, headers={**headers, "X-Request-ID": str(uuid.uuid4())})
                response.raise_for_status()
                response.json()
            bare_times.append((time.perf_counter() - started) / calls)
            started = time.perf_counter()
            for _ in range(calls):
                pds.get_patient(NUMBER)
            client_times.append((time.perf_counter() - started) / calls)
    return statistics.median(bare_times), statistics.median(client_times)


def async_concurrency(sandbox: Sandbox, concurrent: int) -> tuple[int, int, float]:
    """(successes, errors, seconds) for *concurrent* simultaneous get_patient calls."""

    async def main() -> tuple[int, int, float]:
        async with AsyncPdsClient(base_url=sandbox.pds_url, rate_limit=None) as pds:
            started = time.perf_counter()
            results = await asyncio.gather(
                *(pds.get_patient(NUMBER) for _ in range(concurrent)), return_exceptions=True
            )
            elapsed = time.perf_counter() - started
        errors = [result for result in results if isinstance(result, BaseException)]
        return len(results) - len(errors), len(errors), elapsed

    return asyncio.run(main())


def synthetic_extract(rows: int, seed: int = 20261125) -> tuple[bytes, list[str]]:
    """A headerless 27-column extract of *rows* GP practices, and their codes."""
    rng = random.Random(seed)
    letters = "ABCDEFGHJKLMNPRSTVWXY"
    codes = [f"{letters[n // 100000 % len(letters)]}{n % 100000:05d}" for n in range(rows)]
    lines = []
    for code in codes:
        fields = [""] * EXTRACT_COLUMNS
        fields[0] = code
        fields[1] = f"PRACTICE {code} MEDICAL CENTRE"
        fields[2], fields[3] = "Y63", "QWO"
        fields[4], fields[7], fields[8] = f"{rng.randint(1, 300)} HIGH STREET", "TOWN", "COUNTY"
        inward = f"{rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('ABDEFGHJ')}"
        fields[9] = f"LS{rng.randint(1, 29)} {inward}"
        fields[10] = f"{rng.randint(1948, 2020)}0401"
        fields[12] = rng.choice("AAAAAAACD")
        if fields[12] == "C":
            fields[11] = "20210331"
        fields[13], fields[14], fields[15] = "B", "X2W", "20130401"
        fields[17] = f"0113 496 {rng.randint(0, 999):04d}"
        fields[21], fields[23], fields[25] = "0", "X2W", "4"
        lines.append(",".join(f'"{value}"' for value in fields))
    return ("\r\n".join(lines) + "\r\n").encode("ascii"), codes


def offline_register(rows: int, lookups: int) -> tuple[float, float, float, float]:
    """Seconds to load *rows*; lookups per second: cold models, repeated codes, raw rows."""
    data, codes = synthetic_extract(rows)
    register = OfflineOdsRegister()
    started = time.perf_counter()
    register.load(data, kind="epraccur")
    load_seconds = time.perf_counter() - started
    rng = random.Random(1)

    def rate(lookup: object, sample: list[str]) -> float:
        function = lookup  # a bound method
        started = time.perf_counter()
        for code in sample:
            function(code)  # type: ignore[operator]
        return len(sample) / (time.perf_counter() - started)

    # uniform over every code: almost every lookup builds a new model
    cold = rate(register.lookup, [rng.choice(codes) for _ in range(lookups)])
    # a working set of 2 000 codes (a practice system's usual GP practices and trusts), in its
    # steady state: a code is cached from its second lookup, so each is looked up twice first
    hot_codes = rng.sample(codes, 2000)
    for code in hot_codes + hot_codes:
        register.lookup(code)
    hot = rate(register.lookup, [rng.choice(hot_codes) for _ in range(lookups)])
    # the SQLite row lookup alone, before the model is built
    raw = rate(register.lookup_data, [rng.choice(codes) for _ in range(lookups)])
    register.close()
    return load_seconds, cold, hot, raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="calls per round (default 200)")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (default 7)")
    parser.add_argument("--concurrent", type=int, default=50, help="simultaneous async calls (default 50)")
    parser.add_argument("--rows", type=int, default=250_000, help="extract rows to load (default 250 000)")
    parser.add_argument("--lookups", type=int, default=100_000, help="lookups by code (default 100 000)")
    args = parser.parse_args()

    targets = "Targets of the register clients"
    with Sandbox() as sandbox:
        bare, client = pds_overhead(sandbox, args.calls, args.rounds)
        ratio = client / bare
        print(f"bare httpx GET + json        {bare * 1e3:8.3f} ms/call")
        print(f"PdsClient.get_patient        {client * 1e3:8.3f} ms/call")
        verdict = "ok" if ratio <= 1.5 else "MISSED"
        print(f"ratio client / bare          {ratio:8.2f}   (target <= 1.5: {verdict})")
        overhead = (
            "PdsClient.get_patient and a bare httpx GET of the same URL, sandbox on 127.0.0.1, "
            f"median of {args.rounds} rounds of {args.calls} calls"
        )
        record("registers", overhead, "bare httpx GET + json", ms_per_call=bare * 1e3, vs_bare=1.0)
        record("registers", overhead, "PdsClient.get_patient", ms_per_call=client * 1e3, vs_bare=ratio)
        record(
            "registers", targets, "PdsClient / bare httpx", measured=ratio, target="<= 1.5", met=ratio <= 1.5
        )
        ok, errors, seconds = async_concurrency(sandbox, args.concurrent)
        print(
            f"AsyncPdsClient x{args.concurrent} concurrent  {ok} ok, {errors} errors in {seconds:.3f} s"
            f"   (target: no errors: {'ok' if errors == 0 else 'MISSED'})"
        )
        record(
            "registers", targets, f"AsyncPdsClient, {args.concurrent} concurrent calls: errors",
            measured=errors, target="0", met=errors == 0,
        )  # fmt: skip
        concurrency = f"AsyncPdsClient, {args.concurrent} concurrent get_patient calls"
        record("registers", concurrency, "AsyncPdsClient.get_patient", ok=ok, errors=errors, seconds=seconds)
        sandbox.wait_until_idle()
    load_seconds, cold, hot, raw = offline_register(args.rows, args.lookups)
    print(f"offline load {args.rows:,} rows   {load_seconds:8.2f} s   (target < 5 s: "
          f"{'ok' if load_seconds < 5 else 'MISSED'})")
    verdict = "ok" if cold >= 50_000 else "MISSED"
    print(f"offline lookup -> Organisation, uniform codes   {cold:10,.0f} /s (target >= 50 000/s: {verdict})")
    print(f"offline lookup -> Organisation, 2 000 hot codes {hot:10,.0f} /s")
    print(f"offline row lookup (SQLite, before the model)   {raw:10,.0f} /s")
    record(
        "registers", targets, f"OfflineOdsRegister: load {args.rows:,} rows, s", measured=load_seconds,
        target="< 5", met=load_seconds < 5,
    )  # fmt: skip
    record(
        "registers", targets, "OfflineOdsRegister: lookups of uniform codes per s", measured=cold,
        target=">= 50,000", met=cold >= 50_000,
    )  # fmt: skip
    lookups = f"OfflineOdsRegister lookups by code, {args.rows:,}-row extract, {args.lookups:,} lookups each"
    record("registers", lookups, "lookup -> Organisation, codes drawn uniformly", per_s=cold)
    record("registers", lookups, "lookup -> Organisation, 2,000 hot codes", per_s=hot)
    record("registers", lookups, "row lookup (SQLite, before the model)", per_s=raw)

if __name__ == "__main__":
    main()
