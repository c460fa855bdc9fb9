"""coordination-network-toolkit's (CNT's) text functions, exactly: what `--compat cnt` compares.

- `cnt_preprocess`: its `message_preprocessor` (co_tweet's key);
- `cnt_tokens`: its `similarity.tokenize` and the whitespace split its `similarity` applies (co_similar_tweet's
  token sets). CNT splits on Unicode word boundaries (UAX #29) with the `regex` package, most of
  co_similar_tweet's time. Here a text made only of characters whose word-boundary rules are simple (Latin,
  Greek, Cyrillic, CJK ideographs and punctuation, full-width forms, emoji without modifiers: 99% of the
  benchmark's messages) is cut by one `re` pattern built from `regex`'s own Unicode tables, ~4x faster; any
  other text (combining marks, kana, Hebrew, ZWJ sequences, format characters, U+202F...) goes through `regex` as CNT
  runs it. The tests hold the fast path to `regex`'s result on random text;
- `cnt_joined_tokens`: the tokens of many texts on worker processes, Arrow in and out.
"""

from __future__ import annotations

import functools
import importlib
import multiprocessing
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pyarrow as pa

# Whitespace as the `regex` package's \s sees it (CNT strips mentions with `regex`): Python's str.isspace()
# without the four separators \x1c-\x1f. Written out so co_tweet needs only the standard `re`.
_REGEX_WS = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
CNT_MENTION = re.compile(f"@.*?(?=(?:[{_REGEX_WS}]|$))")


class RegexMissingError(ImportError):
    """CNT's tokenizer needs the `regex` package."""


def cnt_preprocess(text: str | None) -> str:
    """CNT's `message_preprocessor` (co_tweet): lower case, @mentions removed, whitespace runs -> one space.

    Python's own `lower()` and `split()`, as CNT uses them: DuckDB's lower() differs on a few letters (Greek
    final sigma, dotted I), which would change which texts are equal."""
    return " ".join(CNT_MENTION.sub("", (text or "").lower()).split())


Tokenizer = Callable[[str], list[str]]
FastTokenizer = Callable[[str], "list[str] | None"]  # None: a text it does not cover

# Where the fast path may find its characters: Latin (with Latin-1, Extended-A/B), Greek, Cyrillic, general
# punctuation, symbols and dingbats, CJK symbols and punctuation, CJK unified ideographs, half- and full-width
# forms, emoji.
FAST_BLOCKS = (
    (0x0000, 0x0250),
    (0x0370, 0x0530),
    (0x2000, 0x2070),
    (0x2600, 0x27C0),
    (0x3000, 0x3040),
    (0x4E00, 0xA000),
    (0xFF00, 0xFFF0),
    (0x1F000, 0x1FB00),
)
# Word_Break values whose rules the pattern below implements; characters of any other value (Extend, Format, ZWJ,
# Katakana, Hebrew_Letter, Regional_Indicator) send their text to `regex`. An emoji (Extended_Pictographic) is
# a segment of its own unless a ZWJ precedes it (WB3c) or a modifier or variation selector (Extend) follows it
# (WB4), and those two send the text to `regex`.
JOINING_ROLES = ("ALetter", "Numeric", "ExtendNumLet", "MidLetter", "MidNum", "MidNumLet", "Single_Quote")
# Double_Quote joins only beside Hebrew letters (WB7b/c), which the fast path never sees.
LONE_ROLES = ("WSegSpace", "Other", "CR", "LF", "Newline", "Double_Quote")


def _char_class(chars: Iterable[str]) -> str:
    """The inside of a `re` character class holding exactly `chars`, as ranges."""
    points = sorted({ord(c) for c in chars})
    parts: list[str] = []
    start = prev = None
    for p in [*points, None]:
        if p is not None and prev is not None and p == prev + 1:
            prev = p
            continue
        if start is not None and prev is not None:
            parts.append(re.escape(chr(start)) + ("" if start == prev else "-" + re.escape(chr(prev))))
        start = prev = p
    return "".join(parts)


def _fast_tokenizer(regex: Any) -> FastTokenizer:
    """CNT's tokens of a lower-cased text by one `re` pattern (in text order, repeated), or None when the text
    holds a character the pattern does not cover.

    Among the covered characters UAX #29's word boundaries reduce to: runs of letters, digits and connectors
    ("_") stay together (WB5, WB8-10, WB13a/b), also across one MidLetter/MidNumLet/Single_Quote between two
    letters (WB6/7: "can't", "u.s.a") or one MidNum/MidNumLet/Single_Quote between two digits (WB11/12: "3.14",
    "1，000"); every other character is a segment of its own (CR LF and space runs are one segment, but
    whitespace). CNT's split pattern `\\b\\p{WSegSpace}*'?` then drops each run of spaces and every apostrophe
    that stands alone; its whitespace split drops the rest of the whitespace."""
    candidates = "".join(chr(c) for lo, hi in FAST_BLOCKS for c in range(lo, hi))

    def having(value: str) -> set[str]:
        return set(regex.findall(rf"\p{{Word_Break={value}}}", candidates))

    role = {value: having(value) for value in JOINING_ROLES}
    joining = set().union(*role.values())
    # A joining character that is also whitespace (U+202F NARROW NO-BREAK SPACE is an ExtendNumLet) stays inside
    # a segment and is then split away by CNT's whitespace split; the pattern never splits, so such text goes to
    # `regex`, and every token the pattern makes is free of whitespace.
    joining_space = {c for c in joining if c.isspace()}
    covered = joining.union(*(having(value) for value in LONE_ROLES)) - joining_space
    role = {value: chars - joining_space for value, chars in role.items()}
    letter, digit, connector = (_char_class(role[v]) for v in ("ALetter", "Numeric", "ExtendNumLet"))
    quote = role["MidNumLet"] | role["Single_Quote"]
    between_letters = _char_class(role["MidLetter"] | quote)
    between_digits = _char_class(role["MidNum"] | quote)
    word = f"[{letter}{digit}{connector}]+"
    segment = re.compile(
        f"{word}(?:(?:(?<=[{letter}])[{between_letters}](?=[{letter}])"
        f"|(?<=[{digit}])[{between_digits}](?=[{digit}])){word})*"
        r"|[^\s']"
    )
    uncovered = re.compile(f"[^{_char_class(covered)}]")

    def tokens(lowered: str) -> list[str] | None:
        if uncovered.search(lowered):
            return None
        if "@" in lowered:
            lowered = CNT_MENTION.sub("", lowered)
        return segment.findall(lowered)

    return tokens


@functools.cache
def cnt_tokenizers() -> tuple[FastTokenizer, Tokenizer]:
    """(fast, exact) tokenizers of a lower-cased text: the fast one returns None for text it does not cover;
    the exact one is CNT's `regex` code. Both may repeat a token. Built once per process."""
    try:
        regex: Any = importlib.import_module("regex")
    except ImportError:
        raise RegexMissingError(
            "co_similar_tweet --compat cnt tokenises as CNT does, with Unicode word boundaries from the "
            "`regex` package, which is not installed: pip install regex"
        ) from None
    words = regex.compile(r"\b\p{Word_Break=WSegSpace}*'?", flags=regex.WORD | regex.UNICODE | regex.V1)
    mentions = regex.compile(r"@.*?(?=(?:\s|$))")

    def exact(lowered: str) -> list[str]:
        if "@" in lowered:  # most texts mention no one: skip the (slow) substitution
            lowered = mentions.sub("", lowered)
        # CNT stores " ".join(sorted(set(tokens))) and its similarity() compares set(that.split()).
        return [w for t in words.split(lowered) if t for w in t.split()]

    return _fast_tokenizer(regex), exact


def _token_list(text: str | None) -> list[str]:
    fast, exact = cnt_tokenizers()
    lowered = (text or "").lower()
    found = fast(lowered)
    return exact(lowered) if found is None else found


def cnt_tokens(text: str | None) -> list[str]:
    """The token set CNT's co_similar_tweet compares for a message (sorted)."""
    return sorted(set(_token_list(text)))


TOKENIZE_CHUNK = 20_000
# Tokens never hold whitespace (CNT splits them on it), so one space joins a text's tokens unambiguously.
TOKEN_SEPARATOR = " "


def _tokenize_chunk(texts: pa.Array) -> pa.Array:
    return pa.array([TOKEN_SEPARATOR.join(_token_list(t)) for t in texts.to_pylist()], pa.string())


def cnt_joined_tokens(texts: pa.Array, workers: int, chunk: int = TOKENIZE_CHUNK) -> pa.ChunkedArray:
    """The tokens of every text joined by TOKEN_SEPARATOR, as CNT stores them, but unsorted and maybe repeated
    (`cnt_tokens` is their sorted set; SQL's list_sort(list_distinct(...)) does that faster than Python).

    On `workers` processes, since each text is independent of the others. Texts go out and joined tokens come
    back as Arrow arrays, which cross processes as a few buffers, not millions of pickled strings (unpickling
    those, on the parent alone, took as long as the tokenizing)."""
    cnt_tokenizers()  # a missing `regex` is reported here, not from inside a worker
    # Copies, so each task pickles its own rows, not the whole buffer it was sliced from.
    chunks = [pa.concat_arrays([texts.slice(i, chunk)]) for i in range(0, len(texts), chunk)]
    if workers <= 1 or len(chunks) <= 1:
        return pa.chunked_array([_tokenize_chunk(part) for part in chunks], pa.string())
    # spawn, not fork: the parent runs DuckDB's threads, and a forked child could inherit a lock one of them held
    with ProcessPoolExecutor(min(workers, len(chunks)), mp_context=multiprocessing.get_context("spawn")) as pool:
        return pa.chunked_array(list(pool.map(_tokenize_chunk, chunks)), pa.string())
