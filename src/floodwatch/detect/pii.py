"""Personal data in post texts: find it (typed matches with offsets into the original text) and mask it.

Kinds (`KINDS`), each validated beyond its shape so that look-alike numbers stay unflagged:

- `id_cn` mainland resident ID number (GB 11643-1999): 18 characters, a known province code in the first two
  digits, a real birth date from 1900 up to today, and the ISO 7064 MOD 11-2 check character (0-9 or X).
  Legacy 15-digit numbers (1984-1999, no check character) are taken only when written as one run right after an
  ID keyword (身份证, 证件号, ID ...) and with a valid province and 19YY birth date: without a checksum, about one
  random 15-digit number in 80 would pass the date and province tests alone.
- `mobile_cn` mainland mobile number: 1[3-9] + 9 digits, optionally after +86 / 0086; written as one run or 3-4-4.
- `landline_cn` mainland landline: area code (010, 02x, or 0[3-9]xx) then a 7-8 digit local number starting
  2-9, with a separator or parentheses between them (a bare run of digits is as likely an order number).
- `bank_card` payment card: 13-19 digits, Luhn-valid, with an issuer prefix and length that exist (UnionPay 62,
  Visa 4, Mastercard 51-55/2221-2720, Amex 34/37, JCB 3528-3589, Discover, Diners 36), written as one run or in
  groups of four (Amex 4-6-5).
- `email`; `plate_cn` licence plate (province character, letter, 5 characters with at most two letters, or the
  6 of a new-energy plate); `address_cn` a Chinese street address with a house number (路/街/巷... + N号)
  followed by a building, unit or room (栋/号楼/单元/室) that makes it a home; the administrative prefix
  (省/市/区/县), when present, is part of the match. Without a building/unit/room it is more often a hospital's,
  office's or shop's address, and is left alone. English street addresses have no reliable pattern: not detected.
- `ssn_us` US Social Security number written AAA-GG-SSSS (area not 000, 666 or 9xx; group not 00; serial not
  0000; the numbers published in advertisements excluded); `phone_us` a NANP number written (212) 555-1234,
  212-555-1234, 1-212-555-1234 or +1 ...; `phone_intl` any number written with + (or 00) that Google's numbering
  plan metadata (the `phonenumbers` package) calls valid; +86 and +1 numbers get the kinds above.

How text is read: NFKC per character (full-width digits, letters, hyphens and spaces become ASCII) with a map
back to the original offsets, so every match's (start, end) is a slice of the text as given. Numbers are read
as tokens: maximal runs of digit groups joined by one separator (space, hyphen, dot, en dash, parentheses). A
candidate is a run of whole groups — a digit run is never cut, so the 11 digits inside an 18-digit order number
are not a phone — and a token may only be split where its groups are separated by a space. Digits glued to a
Latin letter (SF1234..., 1Z...) are codes, not numbers. No `\\b`: it fails beside CJK characters, so boundaries
are explicit digit and letter look-arounds. Numbers inside URLs are ignored. Overlapping candidates resolve to
the longest, then by kind order (an 18-digit number that is a valid ID is not also a card).

The checksums (MOD 11-2, Luhn) are a few lines fixed by their standards and run on digit strings this module
already holds, so they are written here; the numbering plans of 200+ countries are data, so they come from
`phonenumbers`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import pyarrow as pa
import pyarrow.compute as pc

KINDS: tuple[str, ...] = (
    "id_cn",
    "mobile_cn",
    "landline_cn",
    "bank_card",
    "email",
    "plate_cn",
    "address_cn",
    "ssn_us",
    "phone_us",
    "phone_intl",
)
ALL: frozenset[str] = frozenset(KINDS)
_PRIORITY = {kind: i for i, kind in enumerate(KINDS)}

# Plain-language names, for explanations.
KIND_NAMES: dict[str, str] = {
    "id_cn": "resident ID number",
    "mobile_cn": "mobile number",
    "landline_cn": "landline number",
    "bank_card": "bank card number",
    "email": "e-mail address",
    "plate_cn": "licence plate",
    "address_cn": "home address",
    "ssn_us": "Social Security number",
    "phone_us": "phone number",
    "phone_intl": "international phone number",
}

# What a redacted match becomes: the kind, visible, and nothing of the value.
LABELS: dict[str, str] = {kind: f"[{kind.upper()}]" for kind in KINDS}

CONFIDENCE: dict[str, float] = {
    "id_cn": 0.99,
    "mobile_cn": 0.9,
    "landline_cn": 0.8,
    "bank_card": 0.95,
    "email": 0.99,
    "plate_cn": 0.85,
    "address_cn": 0.8,
    "ssn_us": 0.85,
    "phone_us": 0.8,
    "phone_intl": 0.9,
}
LEGACY_ID_CONFIDENCE = 0.8


@dataclass(frozen=True, slots=True)
class PiiMatch:
    """One piece of personal data: `text[start:end]` of the original text, and its normalised `value`
    (digits only, X upper-cased; e-mail with a lower-cased domain; phones in E.164 where a country is known)."""

    kind: str
    start: int
    end: int
    value: str
    confidence: float
    reason: str


# --- checksums and validators ---------------------------------------------------------------------------------

# GB 11643-1999: weights of the first 17 digits and the check character for each remainder mod 11.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

# First two digits of a resident ID: provinces, plus 71 (Taiwan) and 81/82/83 (residence permits of Hong Kong,
# Macau and Taiwan residents, issued since 2018).
PROVINCE_CODES = frozenset(
    (11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54)
) | frozenset((61, 62, 63, 64, 65, 71, 81, 82, 83))

# Numbers published as examples (on wallet inserts, in advertising), never a person's SSN.
SSN_PUBLISHED = frozenset(("078051120", "219099999", "457555462"))


def id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits of a resident ID number."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def _birth_date(year: int, month: int, day: int) -> date | None:
    try:
        born = date(year, month, day)
    except ValueError:
        return None
    return born if date(1900, 1, 1) <= born <= date.today() else None


def valid_resident_id(number: str) -> bool:
    """An 18-character resident ID number (upper-case X): province, birth date and check character."""
    if len(number) != 18 or not number[:17].isdigit() or int(number[:2]) not in PROVINCE_CODES:
        return False
    if _birth_date(int(number[6:10]), int(number[10:12]), int(number[12:14])) is None:
        return False
    return id_check_char(number[:17]) == number[17]


def valid_legacy_resident_id(number: str) -> bool:
    """A 15-digit first-generation ID number: province and a 19YY birth date (it has no check digit)."""
    if len(number) != 15 or not number.isdigit() or int(number[:2]) not in PROVINCE_CODES:
        return False
    return _birth_date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12])) is not None


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check of payment card numbers."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_network(digits: str) -> str | None:
    """The card scheme whose issuer prefix and length fit `digits`, or None."""
    n = len(digits)
    p2, p3, p4 = int(digits[:2]), int(digits[:3]), int(digits[:4])
    if p2 == 62 and 16 <= n <= 19:
        return "unionpay"
    if digits[0] == "4" and n in (16, 19):  # 13-digit Visa cards are long retired
        return "visa"
    if (51 <= p2 <= 55 or 2221 <= p4 <= 2720) and n == 16:
        return "mastercard"
    if p2 in (34, 37) and n == 15:
        return "amex"
    if 3528 <= p4 <= 3589 and 16 <= n <= 19:
        return "jcb"
    if (p4 == 6011 or 644 <= p3 <= 649 or p2 == 65) and 16 <= n <= 19:
        return "discover"
    if p2 == 36 and n == 14:
        return "diners"
    return None


def valid_card(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and card_network(digits) is not None and luhn_valid(digits)


def valid_ssn(digits: str) -> bool:
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if len(digits) != 9 or area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return False
    return digits not in SSN_PUBLISHED


def _nanp_part(three: str) -> bool:
    """A NANP area code or exchange: first digit 2-9, not an N11 service code."""
    return three[0] not in "01" and three[1:] != "11"


# Toll-free (8YY) and N00 service area codes belong to businesses, not persons (and 400-xxx-xxxx is the
# mainland's business hotline format).
NANP_SERVICE_AREAS = frozenset(("800", "833", "844", "855", "866", "877", "888")) | {f"{d}00" for d in "23456789"}


def valid_nanp(ten: str) -> bool:
    """A personal NANP number: valid area code and exchange, not a service code; 555-0100..0199 is fiction."""
    area, exchange = ten[:3], ten[3:6]
    if area in NANP_SERVICE_AREAS or (exchange == "555" and ten[6:8] == "01"):
        return False
    return _nanp_part(area) and _nanp_part(exchange)


def _landline_area(area: str) -> bool:
    """010 and 02x are three-digit area codes; every other area code is 0 + three digits starting 3-9."""
    if len(area) == 3:
        return area == "010" or area.startswith("02")
    return len(area) == 4 and area[0] == "0" and area[1] in "3456789"


# --- normalisation with an offset map ------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _nfkc_char(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch)


def _normalise(text: str) -> tuple[str, list[int] | None]:
    """NFKC `text` character by character; `owner[j]` is the original index of normalised character j
    (None: the text is unchanged, offsets are the identity)."""
    if unicodedata.is_normalized("NFKC", text):
        return text, None
    parts: list[str] = []
    owner: list[int] = []
    for i, ch in enumerate(text):
        n = ch if ch < "\x80" else _nfkc_char(ch)
        parts.append(n)
        owner.extend([i] * len(n))
    return "".join(parts), owner


# --- candidates ---------------------------------------------------------------------------------------------------

_DIGITS = re.compile(r"[0-9]+")
_GAP = re.compile(r"\)?[ \-.\u2013]?\(?")
_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_URL = re.compile(r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+", re.IGNORECASE)
_ID_KEYWORD = re.compile(
    r"(?:身份证(?:号码?)?|证件号码?|(?<![A-Za-z])ID(?:\s*(?:No\.?|number))?)\s*(?:是|为)?\s*[:：#]?\s*$", re.I
)
MAX_GROUPS = 6  # the most groups one number is written in (a 19-digit card as 4-4-4-4-3 has 5)

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9\-])"
)
_PLATE_PROVINCES = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新"
# A necessary condition of every kind, as one regex that both Python and RE2 (Arrow) run: a digit group of 3+
# not glued to a code, a +digit, N号, an e-mail domain, a plate's province and letter. Every number candidate
# not written with + has a group of 3+ digits after a non-code character: the phone, landline, card and SSN
# shapes all have one, and 15-18 digits in at most MAX_GROUPS groups cannot all be groups of 1-2.
PREFILTER = (
    r"(?:^|[^A-Za-z0-9_])[0-9]{3}|\+[0-9]|[0-9]号|@[A-Za-z0-9\-]+\.[A-Za-z]"
    rf"|[{_PLATE_PROVINCES}][ ·•・\-]?[A-Za-z]"
)
_MAYBE = re.compile(PREFILTER)
_PLATE = re.compile(
    rf"[{_PLATE_PROVINCES}][ ·•・\-]?[A-HJ-NP-Z][ ·•・.\-]?"
    r"(?:[DF][A-HJ-NP-Z0-9][0-9]{4}|[0-9]{5}[DF]|[A-HJ-NP-Z0-9]{5})(?![A-Za-z0-9])",
    re.IGNORECASE,
)
# A place-name character: CJK, but not the particles and pronouns that surround an address in a sentence.
_NAME = r"(?:(?![在住于是的到址为和与及或我你他她它们就去来从向往搬现前位家])[\u4e00-\u9fff])"
_ADDRESS = re.compile(
    rf"(?P<admin>(?:{_NAME}{{2,6}}?(?:省|自治区))?(?:{_NAME}{{1,6}}?(?:市|州|盟))?(?:{_NAME}{{1,6}}?(?:区|县|旗))?"
    rf"(?:{_NAME}{{1,6}}?(?:镇|乡|街道))?)"
    rf"{_NAME}{{1,10}}?(?:路|街|大道|巷|弄|胡同)[0-9]{{1,5}}(?:-[0-9]{{1,4}})?号"
    rf"(?P<rest>(?:{_NAME}{{0,4}}?[0-9]{{1,4}}(?:号楼|栋|幢|座))?(?:[0-9]{{1,3}}单元)?(?:[0-9]{{1,5}}(?:室|房))?)"
)

REASONS: dict[str, str] = {
    "id_cn": "18-character resident ID: known province code, real birth date, ISO 7064 MOD 11-2 check character",
    "id_cn_legacy": "15-digit legacy resident ID after an ID keyword: known province code, real 19YY birth date",
    "mobile_cn": "mainland mobile number: 1[3-9] and 9 more digits, a whole digit run",
    "landline_cn": "mainland landline: valid area code, then a 7-8 digit local number",
    "bank_card": "payment card number: existing issuer prefix and length, Luhn check passes",
    "email": "e-mail address",
    "plate_cn": "mainland licence plate: province character, issuing letter, 5 (or new-energy 6) characters",
    "address_cn": "street address with a house number and a building, unit or room",
    "ssn_us": "US Social Security number: AAA-GG-SSSS outside the never-issued ranges",
    "phone_us": "North American (NANP) phone number with valid area code and exchange",
    "phone_intl": "international phone number valid in its country's numbering plan",
}


@dataclass(frozen=True, slots=True)
class _Candidate:
    start: int  # in the normalised text
    end: int
    kind: str
    value: str
    confidence: float
    reason: str


@dataclass(frozen=True, slots=True)
class _Run:
    """A run of whole digit groups of one token, as written."""

    digits: str
    shape: tuple[int, ...]
    gaps: tuple[str, ...]
    plus: bool
    check_x: bool  # an X/x follows the last group


def _phone_intl(digits: str) -> tuple[str, str] | None:
    """(kind, E.164) of a number written with an international prefix, when its numbering plan accepts it."""
    import phonenumbers  # loaded on first use: only numbers written with + or 00 need it

    if not 7 <= len(digits) <= 15:
        return None
    try:
        parsed = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if parsed.country_code == 1:
        return "phone_us", e164
    if parsed.country_code == 86:
        kind = phonenumbers.number_type(parsed)
        if kind == phonenumbers.PhoneNumberType.MOBILE:
            return "mobile_cn", e164[3:]
        if kind == phonenumbers.PhoneNumberType.FIXED_LINE:
            return "landline_cn", e164
    return "phone_intl", e164


def _classify(run: _Run, legacy_context: bool) -> tuple[str, str, str] | None:
    """(kind, normalised value, reason key) of a run of digit groups, or None when it is no personal data."""
    digits, shape, gaps = run.digits, run.shape, run.gaps
    parens = any("(" in g or ")" in g for g in gaps)
    n = len(digits)
    if run.check_x:
        if n == 17 and not run.plus and not parens and valid_resident_id(digits + "X"):
            return "id_cn", digits + "X", "id_cn"
        return None
    if run.plus or digits.startswith("0086"):  # 00 is the mainland's international prefix; + elsewhere
        intl = digits if run.plus else digits[2:]
        # the mainland mobile and NANP rules hold with a country code too (the same numbers as without one)
        if len(intl) == 13 and intl.startswith("861") and intl[3] in "3456789":
            return "mobile_cn", intl[2:], "mobile_cn"
        if len(intl) == 11 and intl[0] == "1" and valid_nanp(intl[1:]):
            return "phone_us", "+" + intl, "phone_us"
        found = _phone_intl(intl)
        return (found[0], found[1], found[0]) if found else None
    if n == 18 and not parens and valid_resident_id(digits):
        return "id_cn", digits, "id_cn"
    if n == 15 and len(shape) == 1 and legacy_context and valid_legacy_resident_id(digits):
        return "id_cn", digits, "id_cn_legacy"
    if 13 <= n <= 19 and not parens and all(g in (" ", "-") for g in gaps):
        grouped = all(s == 4 for s in shape[:-1]) and 1 <= shape[-1] <= 4
        if (len(shape) == 1 or grouped or shape in ((4, 6, 5), (4, 6, 4))) and valid_card(digits):
            return "bank_card", digits, "bank_card"
    if shape == (3, 2, 4) and gaps[0] == gaps[1] and gaps[0] in ("-", " ") and valid_ssn(digits):
        return "ssn_us", f"{digits[:3]}-{digits[3:5]}-{digits[5:]}", "ssn_us"
    if n == 11 and digits[0] == "1" and digits[1] in "3456789" and shape in ((11,), (3, 4, 4), (3, 8)) and not parens:
        return "mobile_cn", digits, "mobile_cn"
    if 2 <= len(shape) <= 3 and shape[0] in (3, 4) and _landline_area(digits[: shape[0]]):
        local = digits[shape[0] :]
        if len(local) in ((8,) if shape[0] == 3 else (7, 8)) and local[0] not in "01":
            return "landline_cn", f"{digits[: shape[0]]}-{local}", "landline_cn"
    trunk = shape[0] == 1 and digits[0] == "1"  # 1-212-555-1234
    us, us_shape = (digits[1:], shape[1:]) if trunk else (digits, shape)
    if us_shape == (3, 3, 4) and valid_nanp(us):
        return "phone_us", "+1" + us, "phone_us"
    return None


def _number_candidates(norm: str) -> list[_Candidate]:
    groups = [(m.start(), m.end()) for m in _DIGITS.finditer(norm)]
    found: list[_Candidate] = []
    i = 0
    while i < len(groups):
        # a token: groups joined by one separator each
        j = i
        gaps: list[str] = []
        while j + 1 < len(groups):
            gap = norm[groups[j][1] : groups[j + 1][0]]
            if len(gap) > 3 or not _GAP.fullmatch(gap):
                break
            gaps.append(gap)
            j += 1
        found.extend(_token_candidates(norm, groups[i : j + 1], gaps))
        i = j + 1
    return found


def _token_candidates(norm: str, groups: list[tuple[int, int]], gaps: list[str]) -> list[_Candidate]:
    n = len(groups)
    shape_all = [e - s for s, e in groups]
    x_end = groups[-1][1]
    check_x = x_end < len(norm) and norm[x_end] in "Xx"
    # a number written in groups of four (a card, an account, an order number) is one number: never split
    one_number = n >= 3 and all(s == 4 for s in shape_all[:-1]) and shape_all[-1] <= 4
    found: list[_Candidate] = []
    for a in range(n):
        if a > 0 and (one_number or " " not in gaps[a - 1]):
            continue
        start = groups[a][0]
        plus = a == 0 and start > 0 and norm[start - 1] == "+"
        lead = start - 1 if plus else start
        if lead > 0 and norm[lead - 1] == "(" and (plus or (n > 1 and gaps[0].startswith(")"))):
            lead -= 1
        if a == 0 and lead > 0 and norm[lead - 1] in _ALNUM:
            continue  # glued to a code such as SF123... or 1Z...
        digits = ""
        for b in range(a, min(n, a + MAX_GROUPS)):
            digits += norm[groups[b][0] : groups[b][1]]
            if len(digits) > 20:
                break
            last = b == n - 1
            if not last and (one_number or " " not in gaps[b]):
                continue
            end = groups[b][1]
            with_x = last and check_x
            after = end + 1 if with_x else end
            if last and after < len(norm) and norm[after] in _ALNUM:
                continue
            legacy_context = a == 0 and b == a and bool(_ID_KEYWORD.search(norm[max(0, lead - 16) : lead]))
            run = _Run(digits, tuple(shape_all[a : b + 1]), tuple(gaps[a:b]), plus, with_x)
            got = _classify(run, legacy_context)
            if got is not None:
                kind, value, why = got
                confidence = LEGACY_ID_CONFIDENCE if why == "id_cn_legacy" else CONFIDENCE[kind]
                found.append(_Candidate(lead, after, kind, value, confidence, REASONS[why]))
    return found


def _pattern_candidates(norm: str) -> list[_Candidate]:
    found: list[_Candidate] = []
    if "@" in norm:
        for m in _EMAIL.finditer(norm):
            local, _, domain = m.group().partition("@")
            found.append(_Candidate(m.start(), m.end(), "email", f"{local}@{domain.lower()}", 0.99, REASONS["email"]))
    for m in _PLATE.finditer(norm):
        plate = re.sub(r"[ ·•・.\-]", "", m.group()).upper()
        if sum(c.isdigit() for c in plate[2:]) >= 3:  # a plate's serial has at most two letters
            found.append(_Candidate(m.start(), m.end(), "plate_cn", plate, CONFIDENCE["plate_cn"], REASONS["plate_cn"]))
    if "号" in norm:
        for m in _ADDRESS.finditer(norm):
            if m.group("rest"):  # a building, unit or room: a home, not a shop's or an office's front door
                reason = REASONS["address_cn"]
                found.append(_Candidate(m.start(), m.end(), "address_cn", m.group(), CONFIDENCE["address_cn"], reason))
    return found


def _url_spans(text: str) -> list[tuple[int, int]]:
    if "://" not in text and "www." not in text.lower():
        return []
    return [(m.start(), m.end()) for m in _URL.finditer(text)]


def detect_pii(text: str, kinds: Collection[str] = ALL) -> list[PiiMatch]:
    """The personal data in `text`, in order of position, with offsets into `text` as given."""
    unknown = set(kinds) - ALL
    if unknown:
        raise ValueError(f"unknown PII kinds {sorted(unknown)}; known: {', '.join(KINDS)}")
    if not text:
        return []
    norm, owner = _normalise(text)
    if not _MAYBE.search(norm):
        return []
    candidates = _number_candidates(norm) + _pattern_candidates(norm)
    if not candidates:
        return []
    # longest first, then by kind order; keep those that overlap nothing kept before
    candidates.sort(key=lambda c: (c.start - c.end, _PRIORITY[c.kind], c.start))
    taken: list[_Candidate] = []
    for c in candidates:
        if all(c.end <= t.start or c.start >= t.end for t in taken):
            taken.append(c)
    urls = _url_spans(text)
    matches = []
    for c in sorted(taken, key=lambda c: c.start):
        start, end = (c.start, c.end) if owner is None else (owner[c.start], owner[c.end - 1] + 1)
        if c.kind not in kinds or any(start < ue and end > us for us, ue in urls):
            continue
        matches.append(PiiMatch(c.kind, start, end, c.value, c.confidence, c.reason))
    return matches


# --- redaction ----------------------------------------------------------------------------------------------------


def mask(text: str, matches: Iterable[PiiMatch]) -> str:
    """`text` with each match replaced by its kind's label, e.g. `[MOBILE_CN]`."""
    out: list[str] = []
    pos = 0
    for m in sorted(matches, key=lambda m: m.start):
        out.append(text[pos : m.start])
        out.append(LABELS[m.kind])
        pos = m.end
    out.append(text[pos:])
    return "".join(out)


def redact(text: str, kinds: Collection[str] = ALL) -> str:
    """`text` with every detected piece of personal data of `kinds` replaced by its kind's label."""
    return mask(text, detect_pii(text, kinds))


def may_contain_pii(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A cheap vectorised pre-filter (`PREFILTER` on NFKC text): False where a text holds no PII for sure."""
    normalised = pc.utf8_normalize(texts, "NFKC")
    return pc.fill_null(pc.match_substring_regex(normalised, PREFILTER), False)


def redact_texts(
    texts: pa.Array | pa.ChunkedArray | Iterable[str | None],
    kinds: Collection[str] = ALL,
    tally: Counter[str] | None = None,
) -> pa.Array:
    """`redact` over a string array (or any iterable of strings and None), nulls kept; only texts that pass
    `may_contain_pii` reach the Python detector. `tally`, when given, counts the values masked by kind."""
    if isinstance(texts, pa.ChunkedArray):
        array = texts.combine_chunks() if texts.num_chunks else pa.array([], pa.string())
    elif isinstance(texts, pa.Array):
        array = texts
    else:
        array = pa.array(list(texts), pa.string())
    if not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
        raise TypeError(f"expected strings, got {array.type}")
    flagged = may_contain_pii(array)
    picked = pc.filter(array, flagged).to_pylist()
    if not picked:
        return array
    redacted = []
    for text in picked:
        matches = detect_pii(text, kinds)
        if tally is not None:
            tally.update(m.kind for m in matches)
        redacted.append(mask(text, matches))
    return pc.replace_with_mask(array, flagged, pa.array(redacted, array.type))
