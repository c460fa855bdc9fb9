"""Identifiers of the shared blacklist, as keyed hashes only.

Platforms check each other's violators without handing over personal data: every identifier is first brought
to one canonical form (so `+86 138-0013-8000` and `13800138000` agree), then hashed with HMAC-SHA256 under the
federation key that the member platforms share. Without the key, a hash cannot be tested against a guessed phone
or ID number (a plain SHA-256 of an 11-digit phone number falls to a brute force in minutes). The kind is part of
the hashed message, so the same string as a phone number and as a device id gives unrelated hashes.

Written by hand on purpose: canonical forms are the contract between federation members and must not drift with a
library's version.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from enum import StrEnum
from pathlib import Path

from floodwatch.detect.neardup import normalise
from floodwatch.ingest.urls import normalize_url, url_domain

KEY_ENV = "FLOODWATCH_FEDERATION_KEY"
MIN_KEY_BYTES = 32


class IdentifierKind(StrEnum):
    ACCOUNT = "account"  # platform + account id
    PHONE = "phone"
    NATIONAL_ID = "national_id"
    DEVICE = "device"
    URL = "url"
    DOMAIN = "domain"
    CONTENT = "content"  # a text, normalised as the near-duplicate detector sees it


class IdentifierError(ValueError):
    """A value that cannot be an identifier of the given kind."""


_NON_DIGIT = re.compile(r"\D")
_SEPARATORS = re.compile(r"[\s\-:._/]")
_NATIONAL_ID = re.compile(r"^(\d{17}[\dX]|\d{15})$")


def canonical(kind: IdentifierKind | str, value: str, platform: str | None = None) -> str:
    """The one form of `value` that every member hashes. Raises IdentifierError when it cannot be one."""
    kind = IdentifierKind(kind)
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        raise IdentifierError(f"an empty {kind}")
    if kind is IdentifierKind.ACCOUNT:
        if not platform or not platform.strip():
            raise IdentifierError("an account identifier needs its platform")
        return f"{platform.strip().lower()}:{text}"
    if kind is IdentifierKind.PHONE:
        return _phone(text)
    if kind is IdentifierKind.NATIONAL_ID:
        compact = _SEPARATORS.sub("", text).upper()
        if not _NATIONAL_ID.match(compact):
            raise IdentifierError(f"not a resident ID number: {len(compact)} characters")
        return compact
    if kind is IdentifierKind.DEVICE:
        return _nfkc(_SEPARATORS.sub("", text).lower())
    if kind is IdentifierKind.URL:
        return normalize_url(text)
    if kind is IdentifierKind.DOMAIN:
        host = url_domain(text)
        if not host:
            raise IdentifierError(f"not a domain: {value!r}")
        return host if host.isascii() else host.encode("idna").decode("ascii")
    return _nfkc(normalise([text])[0])


def _nfkc(text: str) -> str:
    """NFKC again after removing or folding characters: a combining mark left next to a new neighbour would
    otherwise compose on the next pass, and the canonical form would not be a fixed point."""
    return unicodedata.normalize("NFKC", text)


def _phone(text: str) -> str:
    """E.164 digits with a leading '+': an 11-digit mainland mobile (1[3-9]…) gets +86; other numbers must
    carry their country code ('+' or '00' prefix)."""
    international = text.startswith("+") or text.startswith("00")
    digits = _NON_DIGIT.sub("", text)
    if text.startswith("00"):
        digits = digits[2:]
    if not international and re.fullmatch(r"1[3-9]\d{9}", digits):
        return "+86" + digits
    if international and 8 <= len(digits) <= 15:
        return "+" + digits
    raise IdentifierError("a phone number needs its country code (+…), unless it is a mainland mobile number")


def keyed_hash(kind: IdentifierKind | str, value: str, key: bytes, platform: str | None = None) -> str:
    """HMAC-SHA256 of the canonical identifier under the federation key, hex."""
    kind = IdentifierKind(kind)
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the federation key must be at least {MIN_KEY_BYTES} bytes")
    message = f"{kind.value}\x00{canonical(kind, value, platform)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def new_key() -> str:
    """A fresh federation key, as the URL-safe base64 text members store."""
    return base64.urlsafe_b64encode(secrets.token_bytes(MIN_KEY_BYTES)).decode()


def load_key(path: Path | None = None) -> bytes:
    """The federation key from `path`, else from $FLOODWATCH_FEDERATION_KEY (URL-safe base64 either way)."""
    if path is not None:
        text = path.read_text(encoding="utf-8").strip()
    else:
        text = os.environ.get(KEY_ENV, "").strip()
        if not text:
            raise KeyError(f"no federation key: set {KEY_ENV} or give a key file (make one: floodwatch blacklist key)")
    try:
        key = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError as exc:
        raise ValueError(f"the federation key is not URL-safe base64: {exc}") from None
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the federation key must be at least {MIN_KEY_BYTES} bytes, got {len(key)}")
    return key
