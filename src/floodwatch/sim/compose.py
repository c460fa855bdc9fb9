"""Turning text material into post texts: organic body pools, URL pools, and the edits of copy-pasters.

Organic bodies are expanded once from templates and slot vocabularies into a large pool, so making a post
costs an index into the pool and a concatenation, never a template fill. The pool is big enough (thousands
of distinct bodies per language, two bodies in most posts) that organic exact duplicates are rare, as in real data,
while short common replies ("同意", "lol same") still repeat the way they do on real platforms.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np

from floodwatch.sim import texts

BODY_POOL = 24_000


@dataclass(frozen=True)
class LangPools:
    """Everything the organic generator needs for one language."""

    bodies: tuple[str, ...]
    openers: tuple[str, ...]
    connectors: tuple[str, ...]
    closers: tuple[str, ...]
    replies: tuple[str, ...]
    repost_comments: tuple[str, ...]
    emoji: tuple[str, ...]


def expand(
    templates: tuple[str, ...], slots: dict[str, tuple[str, ...]], size: int, rng: np.random.Generator
) -> tuple[str, ...]:
    """Up to `size` distinct fillings of the templates, slots drawn uniformly. Duplicates are dropped, so a
    template without slots appears once rather than hundreds of times."""
    fields = {t: [f for _, f, _, _ in string.Formatter().parse(t) if f] for t in templates}
    picks = rng.integers(0, 1 << 30, size=(size, 1 + max(len(f) for f in fields.values()))).tolist()
    out: list[str] = []
    for row in picks:
        tmpl = templates[row[0] % len(templates)]
        values = {f: slots[f][r % len(slots[f])] for f, r in zip(fields[tmpl], row[1:], strict=False)}
        out.append(tmpl.format(**values))
    return tuple(dict.fromkeys(out))


def lang_pools(lang: str, rng: np.random.Generator) -> LangPools:
    """The pools of one language ("zh" or "en")."""
    if lang == texts.ZH:
        return LangPools(
            expand(texts.TEMPLATES_ZH, texts.SLOTS_ZH, BODY_POOL, rng),
            texts.OPENERS_ZH,
            texts.CONNECTORS_ZH,
            texts.CLOSERS_ZH,
            texts.REPLIES_ZH,
            texts.REPOST_COMMENTS_ZH,
            texts.EMOJI + texts.WEIBO_EMOTICONS,
        )
    return LangPools(
        expand(texts.TEMPLATES_EN, texts.SLOTS_EN, BODY_POOL, rng),
        texts.OPENERS_EN,
        texts.CONNECTORS_EN,
        texts.CLOSERS_EN,
        texts.REPLIES_EN,
        texts.QUOTE_COMMENTS_EN,
        texts.EMOJI,
    )


def code(rng: np.random.Generator, length: int) -> str:
    """A random alphanumeric token, as in short links and video ids."""
    alphabet = string.ascii_letters + string.digits
    return "".join(alphabet[i] for i in rng.integers(0, len(alphabet), size=length))


def url_pool(size: int, rng: np.random.Generator) -> tuple[str, ...]:
    """Organic link targets; callers weight them Zipf-like so a few are shared by thousands of accounts."""
    out: list[str] = []
    for i in range(size):
        pattern = texts.URL_PATTERNS[i % len(texts.URL_PATTERNS)]
        slug = "-".join(texts.URL_SLUG_WORDS[j] for j in rng.integers(0, len(texts.URL_SLUG_WORDS), size=3))
        out.append(pattern.format(n=100_000 + i * 37 + int(rng.integers(37)), code=code(rng, 10), year=2026, slug=slug))
    return tuple(out)


def copy_edit(text: str, lang: str, rng: np.random.Generator) -> str:
    """The small edits copy-paste accounts make so the text is not byte-identical: swap a word for a synonym,
    change punctuation, append an emoji or a "+1"."""
    ops = int(rng.integers(0, 3))
    for _ in range(ops):
        kind = int(rng.integers(4))
        if kind == 0:
            for word, other in texts.SYNONYMS.items():
                if word in text:
                    text = text.replace(word, other, 1)
                    break
        elif kind == 1:
            text = text.replace("！", "!").replace("，", ",") if lang == texts.ZH else text.replace(". ", "! ", 1)
        elif kind == 2:
            text += texts.EMOJI[int(rng.integers(len(texts.EMOJI)))]
        else:
            trailers = texts.TRAILERS_ZH if lang == texts.ZH else texts.TRAILERS_EN
            text += trailers[int(rng.integers(len(trailers)))]
    return text


def choice(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]
