"""CNT's text functions (detect/cnt_text.py): CNT's own outputs, and the fast tokenizer against `regex`."""

from __future__ import annotations

import importlib
import importlib.util
import random

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from floodwatch.detect.cnt_text import (
    FAST_BLOCKS,
    JOINING_ROLES,
    LONE_ROLES,
    TOKEN_SEPARATOR,
    cnt_joined_tokens,
    cnt_preprocess,
    cnt_tokenizers,
    cnt_tokens,
)

HAS_REGEX = importlib.util.find_spec("regex") is not None
needs_regex = pytest.mark.skipif(not HAS_REGEX, reason="CNT's tokenizer needs the `regex` package")


def test_cnt_text_functions_match_cnt() -> None:
    # Expected values printed by CNT 1.5.2's similarity.message_preprocessor and tokenize (+ split).
    cases = {
        "Hello  @World_1 THIS\tis\na Test": ("hello this is a test", ["a", "hello", "is", "test", "this"]),
        "ΣΑΣ ΕΙΝΑΙ": ("σας ειναι", ["ειναι", "σας"]),
        "x\x1c@y\x1cz w": ("x w", ["w", "x"]),
        "＠user ｈｉ @user": ("＠user ｈｉ", ["user", "＠", "ｈｉ"]),
        "a@b.c d": ("a d", ["a", "d"]),
        "  @only  ": ("", []),
        "İstanbul": ("i̇stanbul", ["i̇stanbul"]),
        "can't stop, won't stop!": ("can't stop, won't stop!", ["!", ",", "can't", "stop", "won't"]),
        "你好，世界！ 3.14 U.S.A.": (
            "你好，世界！ 3.14 u.s.a.",
            [".", "3.14", "u.s.a", "世", "你", "好", "界", "！", "，"],
        ),
        "tab\x0bvt\x85nel": ("tab vt nel", ["nel", "tab", "vt"]),
    }
    for text, (preprocessed, tokens) in cases.items():
        assert cnt_preprocess(text) == preprocessed, text
        if HAS_REGEX:
            assert cnt_tokens(text) == tokens, text


@pytest.mark.skipif(not HAS_REGEX, reason="CNT's tokenizer needs the `regex` package")
def test_token_sets_on_worker_processes_equal_one_process() -> None:
    texts: list[str | None] = ["can't stop, won't stop!", "你好，世界！ 3.14 U.S.A.", None, "", "＠user ｈｉ @user"]
    texts += [f"post {i} #tag{i % 3} @someone{i} ok" for i in range(20)]
    serial = [cnt_tokens(t) for t in texts]
    arrow_texts = pa.array(texts, pa.string())
    for workers, chunk in ((2, 4), (1, 20_000)):
        joined = cnt_joined_tokens(arrow_texts, workers=workers, chunk=chunk).to_pylist()
        assert [sorted(set(tokens.split(TOKEN_SEPARATOR)) - {""}) for tokens in joined] == serial


@needs_regex
def test_the_fast_path_covers_ascii_cjk_and_full_width_text_only() -> None:
    fast, _ = cnt_tokenizers()
    for text in ("hello world, it's 3.14!", "你好，世界！　第1，000次 ＵＳＡ😂", "«ça» – naïve café…", "привет мир 👍"):
        assert fast(text.lower()) is not None, text
    # combining mark, emoji, ZWJ sequence, katakana, Hebrew, soft hyphen: `regex` decides
    for text in ("e\u0301", "👍\U0001f3fd", "❤\ufe0f", "👩\u200d💻", "カタカナ", "שלום", "co\u00adop"):
        assert fast(text.lower()) is None, text


def _characters_by_role(values: tuple[str, ...], per_role: int = 16) -> str:
    """Up to `per_role` characters of each Word_Break value (from `regex`'s own tables, in the blocks the fast
    path covers), so random text over them meets every rule the fast path implements, and their neighbours."""
    if not HAS_REGEX:
        return "a"
    regex = importlib.import_module("regex")
    blocks = "".join(chr(c) for lo, hi in FAST_BLOCKS for c in range(lo, hi))
    rng = random.Random(0)
    picked: list[str] = []
    for value in values:
        found = regex.findall(rf"\p{{Word_Break={value}}}", blocks)
        picked += rng.sample(found, min(per_role, len(found)))
    return "".join(sorted(set(picked)))


# Every character role the fast path covers (its own roles and the lone ones), upper case and the markers CNT's
# code treats specially; and, for the hand-over to `regex`, the roles it does not cover.
_COVERED = _characters_by_role(JOINING_ROLES + LONE_ROLES) + "AZÉİΣ'@＠\u202f"
_ALL_ROLES = _COVERED + _characters_by_role(("Extend", "Format", "ZWJ", "Katakana", "Regional_Indicator"), 4)
_ALL_ROLES += "\u05d0\U0001f1e6\U0001f3fd\ufe0f"  # Hebrew letter, regional indicator, skin tone, emoji style


@needs_regex
@settings(max_examples=4000, deadline=None)
@given(st.text(alphabet=_COVERED, max_size=16) | st.text(alphabet=_ALL_ROLES, max_size=16) | st.text(max_size=16))
def test_the_fast_path_equals_cnts_regex_tokenizer(text: str) -> None:
    fast, exact = cnt_tokenizers()
    lowered = text.lower()
    found = fast(lowered)
    if found is not None:
        assert sorted(set(found)) == sorted(set(exact(lowered)))
    assert cnt_tokens(text) == sorted(set(exact(lowered)))
