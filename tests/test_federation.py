"""Federation primitives: canonical identifiers and keyed hashes, signed bundles, opinions."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from floodwatch.federation.bundles import (
    BundleError,
    key_id,
    load_private,
    load_public,
    new_signing_key,
    private_pem,
    public_pem,
    sign_bundle,
    verify_bundle,
)
from floodwatch.federation.identifiers import IdentifierError, IdentifierKind, canonical, keyed_hash, new_key
from floodwatch.federation.identifiers import load_key as load_federation_key
from floodwatch.federation.opinions import ConsumerPolicy, Opinion, Standing, should_act, summarise

KEY = b"k" * 32
OTHER_KEY = b"o" * 32


@pytest.mark.parametrize(
    "written",
    ["13800138000", "138-0013-8000", "+86 138 0013 8000", "0086 13800138000", "＋８６ １３８００１３８０００"],
)
def test_a_mobile_number_has_one_canonical_form_whatever_the_writing(written: str) -> None:
    assert canonical("phone", written) == "+8613800138000"
    assert keyed_hash("phone", written, KEY) == keyed_hash("phone", "13800138000", KEY)


def test_identifiers_that_cannot_be_canonical_are_refused() -> None:
    with pytest.raises(IdentifierError, match="country code"):
        canonical("phone", "010-65521234")  # a landline without country code is ambiguous across countries
    with pytest.raises(IdentifierError, match="resident ID"):
        canonical("national_id", "11010519491231002")
    with pytest.raises(IdentifierError, match="platform"):
        canonical("account", "alice")
    with pytest.raises(IdentifierError, match="empty"):
        canonical("device", "   ")


def test_canonical_forms_of_the_other_kinds() -> None:
    assert canonical("national_id", "11010519491231002x") == "11010519491231002X"
    assert canonical("account", " Alice ", platform="Weibo") == "weibo:Alice"
    assert canonical("device", "AB:CD-EF 01") == "abcdef01"
    assert canonical("url", "HTTPS://Shop.Example.com/p?id=1&utm_source=x") == "https://shop.example.com/p?id=1"
    assert canonical("domain", "https://www.Example.com/path") == "example.com"
    assert canonical("domain", "例子.测试") == "xn--fsqu00a.xn--0zwm56d"
    assert canonical("content", "  Buy   NOW ") == "buy now"


def test_the_hash_depends_on_key_and_kind_and_never_shows_the_value() -> None:
    digest = keyed_hash("device", "13800138000", KEY)
    assert digest != keyed_hash("device", "13800138000", OTHER_KEY)
    assert digest != keyed_hash("phone", "13800138000", KEY)
    assert len(digest) == 64 and "13800138000" not in digest
    with pytest.raises(ValueError, match="at least 32 bytes"):
        keyed_hash("phone", "13800138000", b"short")


@given(st.text(min_size=1, max_size=40))
@example("a:\u0308")  # a combining mark that meets a new neighbour once the separator is gone
@example("a \u0308")
def test_canonical_forms_are_fixed_points(value: str) -> None:
    for kind in (IdentifierKind.DEVICE, IdentifierKind.CONTENT, IdentifierKind.URL):
        try:
            once = canonical(kind, value)
        except IdentifierError:
            continue
        if once.strip():
            assert canonical(kind, once) == once


def test_federation_key_round_trip(tmp_path, monkeypatch) -> None:
    path = tmp_path / "federation.key"
    path.write_text(new_key())
    key = load_federation_key(path)
    assert len(key) == 32
    monkeypatch.setenv("FLOODWATCH_FEDERATION_KEY", path.read_text())
    assert load_federation_key() == key
    monkeypatch.delenv("FLOODWATCH_FEDERATION_KEY")
    with pytest.raises(KeyError, match="FLOODWATCH_FEDERATION_KEY"):
        load_federation_key()


ENTRIES = [{"kind": "phone", "hash": keyed_hash("phone", "13800138000", KEY), "reason": "doxxing"}]


def test_a_signed_bundle_verifies_with_the_trusted_key_and_keeps_its_entries() -> None:
    signer = load_private(private_pem(new_signing_key()))
    public = load_public(public_pem(signer.public_key()))
    data = sign_bundle(ENTRIES, "node-a", signer, cursor="42")
    bundle = verify_bundle(data, {key_id(public): public})
    assert bundle.entries == ENTRIES and bundle.issuer == "node-a" and bundle.cursor == "42"
    assert b"13800138000" not in data


def test_any_altered_byte_or_unknown_key_is_refused() -> None:
    signer = new_signing_key()
    trusted = {key_id(signer.public_key()): signer.public_key()}
    data = sign_bundle(ENTRIES, "node-a", signer)
    altered = data.replace(b"doxxing", b"doxxinG")
    with pytest.raises(BundleError, match="altered"):
        verify_bundle(altered, trusted)
    with pytest.raises(BundleError, match="not among the trusted keys"):
        verify_bundle(data, {})
    with pytest.raises(BundleError, match="not a readable bundle"):
        verify_bundle(data[:-5], trusted)
    with pytest.raises(BundleError, match="never raw"):
        sign_bundle([{"kind": "phone", "value": "13800138000"}], "node-a", signer)


def test_opinions_make_entries_confirmed_disputed_or_rejected() -> None:
    assert summarise("x", {}).standing is Standing.CONFIRMED
    disputed = summarise("x", {"weibo": Opinion.NEGATIVE, "douyin": Opinion.POSITIVE})
    assert disputed.standing is Standing.DISPUTED and disputed.positive == {"x", "douyin"}
    assert summarise("x", {"x": Opinion.NEGATIVE}).standing is Standing.REJECTED
    looking = summarise("x", {"weibo": Opinion.INVESTIGATION})
    assert looking.investigating == {"weibo"} and looking.standing is Standing.CONFIRMED


def test_consumers_act_only_with_the_agreement_they_asked_for() -> None:
    two = ConsumerPolicy(min_agreeing=2)
    alone, agreed = summarise("x", {}), summarise("x", {"weibo": Opinion.POSITIVE})
    disputed = summarise("x", {"weibo": Opinion.POSITIVE, "douyin": Opinion.NEGATIVE})
    assert not should_act(alone, two, 0.9) and should_act(agreed, two, 0.9)
    assert not should_act(disputed, two, 0.9)
    assert should_act(disputed, ConsumerPolicy(min_agreeing=2, act_on_disputed=True), 0.9)
    assert not should_act(agreed, ConsumerPolicy(min_confidence=0.95), 0.9)
    with pytest.raises(ValueError):
        ConsumerPolicy(min_agreeing=0)
