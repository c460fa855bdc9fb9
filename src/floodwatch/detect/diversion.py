"""Traffic diversion: the contact handles, invite codes and phone numbers a post sends readers to.

Paid posting often exists to move readers off the platform to where money changes hands: a WeChat or QQ
contact, a Telegram handle, a phone number, an invite code. Posters disguise the markers ("薇信", "V❤：", "+v",
"扣扣群") to get past keyword filters, so the patterns below match the disguises too. Each match becomes a
destination key such as `wechat:jamie35763`; shop and short links are ordinary URLs and are reported as such.

The patterns run inside DuckDB (RE2) on NFKC-normalised, lower-cased text. They are written by hand because the
disguises are the domain knowledge; no maintained library lists them.
"""

from __future__ import annotations

import re

# (destination type, RE2 pattern with one capture group for the identifier)
DESTINATION_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "wechat",
        r"(?:微信|薇信|威信|徽信|危信|v信|vx|wx|weixin|wechat|加v|\+v|v[❤♥💕]+)"
        r"[\s:：❤♥💕+]*(?:号)?[\s:：]*([a-z][a-z0-9_-]{5,19})",
    ),
    ("qq", r"(?:qq|扣扣|企鹅|q)\s*群?\s*(?:号)?[\s:：]*(\d{5,11})"),
    ("telegram", r"(?:t\.me/|telegram[\s:：@]*|(?:^|[^a-z])tg[\s:：@]+)@?([a-z][a-z0-9_]{4,31})"),
    ("phone", r"(?:^|[^\d])(1[3-9]\d{9})(?:[^\d]|$)"),
    ("invite", r"(?:邀请码|推荐码|invite code|referral code)[\s:：]*([a-z0-9]{4,12})"),
)

_COMPILED = tuple((kind, re.compile(pattern)) for kind, pattern in DESTINATION_PATTERNS)


def destinations(text: str) -> list[str]:
    """The destination keys in one text, in order of appearance (Python twin of `destinations_sql`)."""
    import unicodedata

    folded = unicodedata.normalize("NFKC", text).lower()
    found: list[tuple[int, str]] = []
    for kind, pattern in _COMPILED:
        found.extend((m.start(1), f"{kind}:{m.group(1)}") for m in pattern.finditer(folded))
    seen: set[str] = set()
    ordered = []
    for _, key in sorted(found):
        if key not in seen:
            seen.add(key)
            ordered.append(key)
    return ordered


def destinations_sql(text_column: str) -> str:
    """A DuckDB expression: the list of destination keys in `text_column` (lower-cased inside)."""
    parts = []
    for kind, pattern in DESTINATION_PATTERNS:
        literal = "'" + pattern.replace("'", "''") + "'"
        parts.append(
            f"list_transform(regexp_extract_all(lower({text_column}), {literal}, 1), lambda x: '{kind}:' || x)"
        )
    return "list_distinct(flatten([" + ", ".join(parts) + "]))"
