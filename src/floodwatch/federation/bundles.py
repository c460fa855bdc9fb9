"""Signed blacklist bundles: two federation nodes exchange their lists offline, hashes only.

A bundle is one JSON document: a header (issuing node, creation time, the cursor it runs up to, the key id) and
the entries (keyed hashes, never raw identifiers), signed with the issuer's Ed25519 key over the canonical JSON
bytes of header and entries. The receiver checks the signature against the public key it trusts for that node
before importing anything; one changed byte fails the check.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

FORMAT = "floodwatch-blacklist-bundle/1"


class BundleError(ValueError):
    """A bundle that is malformed, signed by an unknown key, or altered after signing."""


@dataclass(frozen=True)
class Bundle:
    issuer: str
    created: datetime
    cursor: str | None
    key_id: str
    entries: list[dict[str, Any]]


def _canonical(body: dict[str, Any]) -> bytes:
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short fingerprint of a public key: the first 16 hex digits of SHA-256 of its raw bytes."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def new_signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_private(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise BundleError("the signing key is not an Ed25519 private key")
    return key


def load_public(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise BundleError("the trusted key is not an Ed25519 public key")
    return key


def sign_bundle(entries: list[dict[str, Any]], issuer: str, key: Ed25519PrivateKey, cursor: str | None = None) -> bytes:
    """The signed bundle of `entries` (dicts of keyed hashes and their metadata) as bytes to write or send."""
    for entry in entries:
        if "value" in entry or "raw" in entry:
            raise BundleError("a bundle carries keyed hashes only, never raw identifier values")
    header = {
        "format": FORMAT,
        "issuer": issuer,
        "created": datetime.now(UTC).isoformat(),
        "cursor": cursor,
        "key_id": key_id(key.public_key()),
    }
    body = {"header": header, "entries": entries}
    signature = base64.b64encode(key.sign(_canonical(body))).decode()
    return orjson.dumps({**body, "signature": signature})


def verify_bundle(data: bytes, trusted: dict[str, Ed25519PublicKey]) -> Bundle:
    """The bundle's contents, once its signature checks out against a trusted key (key id → public key)."""
    try:
        document = orjson.loads(data)
        header, entries, signature = document["header"], document["entries"], document["signature"]
        if header.get("format") != FORMAT:
            raise BundleError(f"not a {FORMAT} document (format {header.get('format')!r})")
        public = trusted.get(header["key_id"])
        if public is None:
            raise BundleError(f"signed by key {header['key_id']}, which is not among the trusted keys")
        public.verify(base64.b64decode(signature), _canonical({"header": header, "entries": entries}))
        return Bundle(
            issuer=header["issuer"],
            created=datetime.fromisoformat(header["created"]),
            cursor=header["cursor"],
            key_id=header["key_id"],
            entries=list(entries),
        )
    except InvalidSignature:
        raise BundleError("the signature does not match: the bundle was altered or signed by another key") from None
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, BundleError):
            raise
        raise BundleError(f"not a readable bundle: {exc}") from None
