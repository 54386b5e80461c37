"""Check-digit algorithms shared by several identifier kinds (private).

Verhoeff is deliberately not here: SNOMED CT identifiers reuse
:mod:`stdnum.verhoeff`.
"""

from __future__ import annotations

import random

# Modulus 11 as used by the NHS Number, the H&C Number and (legacy) CHI:
# weights 10..2 on the first nine digits.  The three 3-digit groups are summed
# through lookup tables built once at import (3 000 small ints), which makes the
# hot path of ``is_valid`` three dict lookups instead of nine int() calls.


def _group_table(weights: tuple[int, int, int]) -> dict[str, int]:
    table = {}
    for value in range(1000):
        digits = f"{value:03d}"
        table[digits] = sum(weight * int(digit) for weight, digit in zip(weights, digits, strict=True))
    return table


_MOD11_GROUP_1 = _group_table((10, 9, 8))
_MOD11_GROUP_2 = _group_table((7, 6, 5))
_MOD11_GROUP_3 = _group_table((4, 3, 2))


def mod11_remainder(payload: str) -> int:
    """``S mod 11`` for the nine-digit *payload* (ASCII digits, not checked)."""
    return (
        _MOD11_GROUP_1[payload[0:3]] + _MOD11_GROUP_2[payload[3:6]] + _MOD11_GROUP_3[payload[6:9]]
    ) % 11


def mod11_check_digit(payload: str) -> int | None:
    """The Modulus 11 check digit of a nine-digit payload.

    Returns ``None`` when the calculation gives 10: such a payload is never
    issued, whatever the tenth digit.  11 maps to 0.
    """
    check = 11 - mod11_remainder(payload)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def mod11_is_valid(number: str) -> bool:
    """Fast Modulus 11 check of ten ASCII digits (format not re-checked).

    Uses the single-sum form: ``sum(w_i * d_i) + d_10 ≡ 0 (mod 11)``; a payload
    whose check would be 10 can never satisfy it with a digit 0-9.
    """
    return (mod11_remainder(number) + ord(number[9]) - 48) % 11 == 0


def random_mod11_number(rng: random.Random, low: int, high: int) -> str:
    """A random ten-digit Modulus 11 number whose first nine digits are in *low*..*high*.

    Payloads whose check digit would be 10 are skipped (drawn again).
    """
    while True:
        payload = f"{rng.randint(low, high):09d}"
        check = mod11_check_digit(payload)
        if check is not None:
            return f"{payload}{check}"


_LUHN_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def luhn_check_digit(payload: str) -> int:
    """Luhn (Modulus 10) check digit for an ASCII-digit *payload*.

    The digit next to the check digit (the rightmost payload digit) is doubled,
    then every second digit leftwards.  For CHI's nine-digit payload that is
    digits 1, 3, 5, 7 and 9, as the CHI Modulus 10 rule specifies.
    """
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = ord(char) - 48
        total += _LUHN_DOUBLED[digit] if position % 2 == 0 else digit
    return (10 - total % 10) % 10


_WEIGHTS_137 = (1, 3, 7, 1, 3, 7)


def check_digit_137(six_digits: str) -> int:
    """NHSBSA 1-3-7 check digit (GMP and GDP codes).

    Units digit of ``1·d1 + 3·d2 + 7·d3 + 1·d4 + 3·d5 + 7·d6``: the units digit
    itself, not ``10 -`` it.
    """
    return sum(weight * (ord(char) - 48) for weight, char in zip(_WEIGHTS_137, six_digits, strict=True)) % 10
