"""URL normalisation: the same link written two ways must become one key for co-link detection.

Hand-written on purpose: the rules (which query parameters only track the reader) are floodwatch's own
policy, and `urllib.parse` already does the parsing.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Parameters that identify the campaign or the click, never the page. Removing them merges copies of
# one link that differ only by who shared it.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "igshid",
        "igsh",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ref_src",
        "ref_url",
        "spm",
        "share_source",
        "share_medium",
        "share_plat",
        "share_from",
        "share_token",
        "vd_source",
        "utm_id",
        "si",
        "feature",
    }
)
DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith("utm_") or lowered in TRACKING_PARAMS


@lru_cache(maxsize=262_144)
def normalize_url(url: str) -> str:
    """Lower-case scheme and host, drop default ports, fragments and tracking parameters, sort the query.

    A URL without a scheme gets `http://` so that `example.com/a` and `http://example.com/a` agree.
    Anything that cannot be parsed is returned stripped but otherwise unchanged: it still counts as a key.
    """
    text = url.strip()
    if not text:
        return text
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        return url.strip()
    if not host:
        return url.strip()
    netloc = host
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    if port is not None and DEFAULT_PORTS.get(scheme) != port:
        netloc = f"{netloc}:{port}"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k))
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def url_domain(url: str) -> str:
    """The host of a normalised URL without a leading `www.`, for co-domain detection."""
    try:
        host = urlsplit(url if "://" in url else "http://" + url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")
