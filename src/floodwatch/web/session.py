"""The console's login session: the API key the user typed, sealed in a cookie only this server can open.

The cookie is a Fernet token (`cryptography`, already a dependency): AES-128-CBC encrypted and HMAC-SHA256 signed,
with its issue time inside, so the key is neither readable nor forgeable by the browser and the session ends after
`SESSION_SECONDS` whatever the browser does with the cookie. The key is re-checked on every request by the API
itself, so revoking it (or disabling its tenant) ends the session at once.

The sealing secret comes from $FLOODWATCH_CONSOLE_SECRET (any text; hashed to a Fernet key), else a random one per
server process — then a restart logs everybody out, which is the safe default for a single node.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.fernet import Fernet, InvalidToken

SECRET_ENV = "FLOODWATCH_CONSOLE_SECRET"
COOKIE = "floodwatch_session"
SESSION_SECONDS = 8 * 3600  # one working day


def fernet_from(secret: str | None) -> Fernet:
    """A Fernet for `secret` (any text), or a fresh random one when there is none."""
    if not secret:
        return Fernet(Fernet.generate_key())
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode("utf-8")).digest()))


def fernet_from_env() -> Fernet:
    return fernet_from(os.environ.get(SECRET_ENV))


def seal(fernet: Fernet, api_key: str) -> str:
    return fernet.encrypt(api_key.encode("utf-8")).decode("ascii")


def unseal(fernet: Fernet, cookie: str | None, max_age: int = SESSION_SECONDS) -> str | None:
    """The API key sealed in `cookie`, or None when it is missing, tampered with, foreign or older than `max_age`."""
    if not cookie:
        return None
    try:
        return fernet.decrypt(cookie.encode("ascii"), ttl=max_age).decode("utf-8")
    except (InvalidToken, UnicodeError):
        return None
