"""Synthetic personal data for the doxxing posts, and harmless look-alike numbers for the organic ones.

The PII detector must tell a real mainland resident ID number (checksum-valid, real birth date) from an
order number of the same length, and a mobile number from a landline or a hotline. So the simulator plants
both: valid-looking identifiers in doxxing posts, and near misses in ordinary posts. Every identifier here is
fake: the area codes are real prefixes, but the person behind the number does not exist.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from floodwatch.detect.pii import id_check_char

# A few county-level area codes (the first six digits); real prefixes so the number looks plausible.
AREA_CODES = (
    "110101",
    "110105",
    "120101",
    "310104",
    "310115",
    "320102",
    "330106",
    "340104",
    "350203",
    "370202",
    "410105",
    "420106",
    "430104",
    "440106",
    "440305",
    "500103",
    "510107",
    "610113",
    "210102",
    "230103",
)

MOBILE_PREFIXES = ("13", "15", "17", "18", "19", "16", "14")


def resident_id(rng: np.random.Generator) -> str:
    """A fake but checksum-valid 18-character resident ID number of an adult born 1965-2004."""
    area = AREA_CODES[int(rng.integers(len(AREA_CODES)))]
    born = date(1965, 1, 1) + timedelta(days=int(rng.integers(0, 40 * 365)))
    seq = f"{int(rng.integers(0, 1000)):03d}"
    first17 = f"{area}{born:%Y%m%d}{seq}"
    return first17 + id_check_char(first17)


def mobile_number(rng: np.random.Generator) -> str:
    """A mainland mobile number: 1, then 3-9, then nine digits."""
    prefix = MOBILE_PREFIXES[int(rng.integers(len(MOBILE_PREFIXES)))]
    return prefix + "".join(str(d) for d in rng.integers(0, 10, size=9))


def order_number(rng: np.random.Generator) -> str:
    """An 18-digit order number that is *not* a resident ID: it starts with a date, so the "area code" is
    2026MM and the "birth date" is impossible, and its last digit is forced to fail the checksum too."""
    day = date(2026, 1, 1) + timedelta(days=int(rng.integers(0, 120)))
    body = f"{day:%Y%m%d}" + "".join(str(d) for d in rng.integers(0, 10, size=9))
    good = id_check_char(body)
    last = next(c for c in "0123456789" if c != good)
    return body + last


def landline_number(rng: np.random.Generator) -> str:
    """A city landline such as 010-65521234: digits that a naive 11-digit rule must not call a mobile."""
    city = ("010", "021", "020", "0755", "028", "0571")[int(rng.integers(6))]
    return city + "-" + "".join(str(d) for d in rng.integers(0, 10, size=8))
