"""Time ``is_valid`` over the same 200 000 NHS numbers with nhsstd, python-stdnum and nhs-number.

Run: ``python benchmarks/identifiers.py`` (needs the ``bench`` or ``test`` extra for
nhs-number).  The input mixes valid and invalid numbers in the forms seen in real
data: plain ten digits, 3-3-4 with spaces, hyphenated, surrounding whitespace,
and junk (wrong length, letters).  Each library sees exactly the same list, in the
same process, best of several repeats; ratios are against nhsstd.

Target (issue 3): nhsstd at least 4x faster than ``stdnum.gb.nhs.is_valid``.
"""

from __future__ import annotations

import argparse
import random
import timeit
from collections.abc import Callable

from _results import record

from nhsstd.identifiers import nhs_number


def make_inputs(count: int, seed: int = 20261125) -> list[str]:
    rng = random.Random(seed)
    values: list[str] = []
    for _ in range(count):
        number = nhs_number.generate(rng, test_range=False)
        if rng.random() < 0.5:  # make about half invalid: wrong check digit
            number = number[:9] + str((int(number[9]) + rng.randint(1, 9)) % 10)
        shape = rng.random()
        if shape < 0.6:
            values.append(number)
        elif shape < 0.8:
            values.append(f"{number[:3]} {number[3:6]} {number[6:]}")
        elif shape < 0.9:
            values.append(f"{number[:3]}-{number[3:6]}-{number[6:]}")
        elif shape < 0.95:
            values.append(f" {number} ")
        else:
            values.append(rng.choice([number[:8], number + "1", number[:9] + "X", ""]))
    return values


def best_time(function: Callable[[str], bool], values: list[str], repeat: int) -> float:
    def run() -> None:
        for value in values:
            function(value)

    return min(timeit.repeat(run, number=1, repeat=repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import nhs_number as nhs_number_package  # the PyPI package "nhs-number"
    import stdnum.gb.nhs

    values = make_inputs(args.count)
    contenders: list[tuple[str, Callable[[str], bool]]] = [
        ("nhsstd nhs_number.is_valid", nhs_number.is_valid),
        ("python-stdnum gb.nhs.is_valid", stdnum.gb.nhs.is_valid),
        ("nhs-number is_valid", nhs_number_package.is_valid),
    ]
    valid_count = sum(nhs_number.is_valid(value) for value in values)
    print(f"{len(values):,} inputs, {valid_count:,} valid under nhsstd's policy; best of {args.repeat}")
    print(f"{'library':32} {'total s':>9} {'ns/call':>9} {'vs nhsstd':>10}")
    table = f"is_valid over {len(values):,} NHS Numbers ({valid_count:,} valid), best of {args.repeat}"
    baseline = None
    for name, function in contenders:
        seconds = best_time(function, values, args.repeat)
        baseline = baseline or seconds
        print(
            f"{name:32} {seconds:9.3f} {seconds / len(values) * 1e9:9.0f} "
            f"{seconds / baseline:9.1f}x"
        )
        record(
            "identifiers", table, name, total_s=seconds, ns_per_call=seconds / len(values) * 1e9,
            vs_nhsstd=seconds / baseline,
        )  # fmt: skip
    print("(ratio > 1 means slower than nhsstd)")


if __name__ == "__main__":
    main()
