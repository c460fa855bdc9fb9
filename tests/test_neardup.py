"""Near-duplicate clusters: known answers on hand-made copy-paste variants (Chinese and English), the edge cases
(short, empty, None, identical), determinism, the internals against plain-Python references, and a property
test tying cluster membership to the exact Jaccard similarity."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from floodwatch.detect import neardup
from floodwatch.detect.neardup import NearDupParams, jaccard, near_duplicate_clusters, signatures

ZH_BASE = "今天去公园散步，看到好多人在放风筝，天气真的太好了，心情也跟着变好了"
ZH_VARIANTS = [
    ZH_BASE,
    ZH_BASE + "！！",  # punctuation
    ZH_BASE + "😂",  # an emoji
    ZH_BASE.replace("公园", "湖边"),  # one swapped word
    ZH_BASE.replace("，", "。", 1) + " 👍",  # punctuation and an emoji
]
EN_BASE = "Just tried the new coffee place downtown and honestly it was amazing, highly recommend it to everyone"
EN_VARIANTS = [
    EN_BASE,
    EN_BASE + "!!!",  # punctuation
    EN_BASE + " 🔥",  # an emoji
    EN_BASE.replace("amazing", "fantastic"),  # one swapped word
    EN_BASE.replace(", ", "; ") + " 🙌",  # punctuation and an emoji
]
UNRELATED = [
    "地铁今天又晚点了二十分钟，上班迟到被扣了全勤奖，好烦",
    "周末在家自己包饺子，第一次做居然还挺成功的，给自己点赞",
    "The city council voted to extend the bike lane network along the river next spring",
    "My cat knocked the plant off the shelf again this morning, third time this week",
    "Does anyone know a good place to repair a cracked phone screen near the station?",
]


def same_cluster(clusters: np.ndarray, indices: list[int]) -> bool:
    values = {int(clusters[i]) for i in indices}
    return len(values) == 1 and values != {-1}


# --- known answers -------------------------------------------------------------------------------------------


def test_variants_are_near_duplicates_by_the_exact_measure() -> None:
    """The hand-made variants really are near-duplicates (so the tests below test the clustering, not the data)."""
    for variants in (ZH_VARIANTS, EN_VARIANTS):
        for variant in variants[1:]:
            assert jaccard(variants[0], variant) >= 0.7, variant
    for i, a in enumerate(UNRELATED):
        for b in [*UNRELATED[i + 1 :], ZH_BASE, EN_BASE]:
            assert jaccard(a, b) < 0.3


def test_copy_paste_variants_cluster_and_unrelated_texts_do_not() -> None:
    texts = ZH_VARIANTS + UNRELATED + EN_VARIANTS
    clusters = near_duplicate_clusters(texts)
    zh = list(range(len(ZH_VARIANTS)))
    en = list(range(len(ZH_VARIANTS) + len(UNRELATED), len(texts)))
    assert same_cluster(clusters, zh)
    assert same_cluster(clusters, en)
    assert clusters[zh[0]] == 0  # the id is the index of the cluster's first member
    assert clusters[en[0]] == en[0]
    assert clusters[len(ZH_VARIANTS) : len(ZH_VARIANTS) + len(UNRELATED)].tolist() == [-1] * len(UNRELATED)


def test_short_empty_and_none_get_no_cluster() -> None:
    texts = ["好的", "好的", "ok thanks", "ok thanks", "", "", None, None, "   \n\t  ", "short one!", "short one!"]
    assert near_duplicate_clusters(texts).tolist() == [-1] * len(texts)


def test_min_chars_counts_normalised_characters() -> None:
    # 12 characters once whitespace runs collapse: long enough; with min_chars 13 it is not
    texts = ["abc   def  ghij", "abc def ghij"]
    assert near_duplicate_clusters(texts).tolist() == [0, 0]
    assert near_duplicate_clusters(texts, NearDupParams(min_chars=13)).tolist() == [-1, -1]


def test_identical_after_normalisation_share_a_cluster() -> None:
    texts = [
        "Unrelated filler text about the weather in spring",
        "ＦＵＬＬ　ｗｉｄｔｈ text, copied verbatim",  # NFKC folds full-width letters and the ideographic space
        "full width TEXT,   copied verbatim",
        "full width text, copied verbatim",
        "一模一样的一段话被复制粘贴了很多次",
        "一模一样的一段话被复制粘贴了很多次",
    ]
    assert near_duplicate_clusters(texts).tolist() == [-1, 1, 1, 1, 4, 4]


def test_transitive_chaining_joins_a_family() -> None:
    a = "alpha bravo charlie delta echo foxtrot golf hotel"
    b = "zulus bravo charlie delta echo foxtrot golf hotel"  # 0.81 with a
    c = "zulus bravo charlie delta echo foxtrot golf xrays"  # 0.81 with b, 0.65 with a
    assert jaccard(a, b) >= 0.7 and jaccard(b, c) >= 0.7 and jaccard(a, c) < 0.7
    assert near_duplicate_clusters([a, c]).tolist() == [-1, -1]
    assert near_duplicate_clusters([a, c, b]).tolist() == [0, 0, 0]


def test_threshold_one_joins_only_equal_shingle_sets() -> None:
    params = NearDupParams(threshold=1.0)
    texts = [EN_BASE, EN_BASE + "!", EN_BASE + " " + EN_BASE]  # the repeat has the base's shingles and more
    assert jaccard(texts[0], texts[2]) < 1.0
    assert near_duplicate_clusters(texts, params).tolist() == [-1, -1, -1]
    assert near_duplicate_clusters([EN_BASE, EN_BASE.upper()], params).tolist() == [0, 0]


def test_big_family_in_one_bucket_is_one_cluster() -> None:
    """A water army's 300 edited copies fill LSH buckets far past the all-pairs cap: star + chain links them."""
    rng = random.Random(3)
    marks = ["!", "！", "😂", "👍", "🔥", "～", "。", "?", "[赞]"]
    family = [ZH_BASE + "".join(rng.choices(marks, k=rng.randint(0, 2))) + f" #{i}" for i in range(300)]
    texts = UNRELATED + family
    clusters = near_duplicate_clusters(texts)
    assert neardup.ALL_PAIRS_MAX < 300
    assert clusters[: len(UNRELATED)].tolist() == [-1] * len(UNRELATED)
    assert set(clusters[len(UNRELATED) :].tolist()) == {len(UNRELATED)}


def test_deterministic_and_input_types_agree() -> None:
    texts = ZH_VARIANTS + UNRELATED + EN_VARIANTS + [None, ""]
    expected = near_duplicate_clusters(texts)
    assert near_duplicate_clusters(texts).tolist() == expected.tolist()
    assert near_duplicate_clusters(pa.array(texts, pa.string())).tolist() == expected.tolist()
    assert near_duplicate_clusters(pa.chunked_array([texts[:4], texts[4:]], pa.string())).tolist() == expected.tolist()
    assert near_duplicate_clusters(pa.array(texts, pa.large_string()).slice(0)).tolist() == expected.tolist()
    sliced = pa.array(["padding", *texts], pa.string()).slice(1)  # a non-zero array offset
    assert near_duplicate_clusters(sliced).tolist() == expected.tolist()
    assert expected.dtype == np.int64


def test_empty_input() -> None:
    assert near_duplicate_clusters([]).tolist() == []
    assert near_duplicate_clusters(pa.array([], pa.string())).dtype == np.int64
    assert signatures([]).shape == (0, NearDupParams().hashes)


def test_params_are_validated() -> None:
    with pytest.raises(ValueError, match="threshold"):
        NearDupParams(threshold=0.0)
    with pytest.raises(ValueError, match="rows"):
        NearDupParams(rows=0)
    assert NearDupParams().hashes == NearDupParams().bands * NearDupParams().rows


# --- signatures and the exact measure --------------------------------------------------------------------------


def test_signatures_shape_and_agreement_tracks_jaccard() -> None:
    params = NearDupParams()
    texts = [EN_BASE, EN_BASE.replace("amazing", "fantastic"), UNRELATED[2], EN_BASE, None, "ab"]
    sig = signatures(texts, params)
    assert sig.shape == (6, params.hashes) and sig.dtype == np.uint32
    assert (sig[0] == sig[3]).all()
    assert (sig[4] == 0xFFFFFFFF).all() and (sig[5] == 0xFFFFFFFF).all()  # no shingle
    for i, j in ((0, 1), (0, 2)):
        exact = jaccard(texts[i] or "", texts[j] or "")
        estimate = float(np.mean(sig[i] == sig[j]))
        assert abs(estimate - exact) <= 4 * np.sqrt(max(exact * (1 - exact), 0.01) / params.hashes)
    alone = signatures([texts[0]], params)[0]
    assert (signatures([texts[0], ""], params)[0] == alone).all()  # a shingle-less neighbour changes nothing
    assert (signatures(["", None, texts[0], "x"], params)[2] == alone).all()
    other_seed = signatures(texts, NearDupParams(seed=2))
    assert not (other_seed == sig).all(axis=1)[0]


def test_jaccard_known_values() -> None:
    assert jaccard("abcd", "abce") == pytest.approx(1 / 3)  # {abc, bcd} vs {abc, bce}
    assert jaccard("ＡＢＣＤ", "abcd") == 1.0  # NFKC + lower case
    assert jaccard("a  b", "a b") == 1.0  # whitespace runs collapse
    assert jaccard("你好世界", "你好世") == pytest.approx(1 / 2)  # {你好世, 好世界} vs {你好世}
    assert jaccard("ab", "ab") == 1.0 and jaccard("ab", "ac") == 0.0  # too short for a shingle
    assert jaccard("abcd", "abcd", shingle=2) == 1.0


def test_code_points_and_shingles_match_python() -> None:
    texts = ["héllo wörld", "你好，世界🙂!", "", "ab", "a😂b😂c", "x" * 40]
    arr = pa.array(texts, pa.large_string())
    cp, offsets = neardup._code_points(arr)
    assert cp.tolist() == [ord(ch) for t in texts for ch in t]
    assert offsets.tolist() == np.cumsum([0] + [len(t) for t in texts]).tolist()
    for k in (1, 3, 5):
        values, sh_off = neardup._shingles(arr, k)
        counts = np.diff(sh_off).tolist()
        assert counts == [max(len(t) - k + 1, 0) for t in texts]
        for t, start, stop in zip(texts, sh_off[:-1].tolist(), sh_off[1:].tolist(), strict=True):
            got = values[start:stop].tolist()
            assert len(set(got)) == len({t[i : i + k] for i in range(len(t) - k + 1)})
            if k == 3:
                packed = [(ord(t[i]) << 42) | (ord(t[i + 1]) << 21) | ord(t[i + 2]) for i in range(len(t) - 2)]
                assert got == packed


def test_exact_chunk_matches_python_jaccard() -> None:
    rng = random.Random(7)
    pool = ["".join(rng.choices("abcdefg 你好世界天气真好😂", k=rng.randint(12, 80))) for _ in range(40)]
    texts = neardup.normalise(pool + [t[: len(t) // 2] + "!" + t[len(t) // 2 :] for t in pool])
    arr = pa.array(texts, pa.large_string())
    left = np.array([rng.randrange(len(texts)) for _ in range(200)], np.int64)
    right = np.array([rng.randrange(len(texts)) for _ in range(200)], np.int64)
    got = neardup._exact_chunk(arr, left, right, NearDupParams())
    want = [jaccard(texts[a], texts[b]) for a, b in zip(left.tolist(), right.tolist(), strict=True)]
    assert got == pytest.approx(want, abs=1e-12)


def test_join_labels_components_by_smallest_member() -> None:
    label = np.arange(8, dtype=np.int64)
    left = np.array([5, 6, 2, 7], np.int64)
    right = np.array([6, 3, 1, 4], np.int64)
    label = neardup._join(label, left, right)
    assert label.tolist() == [0, 1, 1, 3, 4, 3, 3, 4]
    label = neardup._join(label, np.array([4], np.int64), np.array([0], np.int64))
    assert label.tolist() == [0, 1, 1, 3, 0, 3, 3, 0]


def test_band_pairs_cap_big_buckets() -> None:
    keys = np.array([7, 1, 7, 2, 1, 7] + [9] * 12, np.uint32)  # buckets {1,4}, {0,2,5}, and 12 members of 9
    left, right = neardup._band_pairs(*neardup._band_buckets(keys))
    pairs = set(zip(left.tolist(), right.tolist(), strict=True))
    big = list(range(6, 18))
    star = {(6, m) for m in big[1:]}
    chain = set(itertools.pairwise(big[1:]))
    assert pairs == {(1, 4), (0, 2), (0, 5), (2, 5)} | star | chain
    assert all(a < b for a, b in pairs)


def test_candidates_dedupe_pairs_and_count_colliding_bands() -> None:
    params = NearDupParams(bands=3, rows=1)
    keys = np.array([[5, 5, 6, 6], [1, 1, 1, 2], [3, 4, 3, 4]], np.uint32)  # [bands, texts]
    left, right, hits = neardup._candidates(keys, params)
    found = {(a, b): h for a, b, h in zip(left.tolist(), right.tolist(), hits.tolist(), strict=True)}
    assert found == {(0, 1): 2, (2, 3): 1, (0, 2): 2, (1, 2): 1, (1, 3): 1}


def test_slicing_the_candidates_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Deduplicating and verifying the candidates a few at a time (as at millions of texts) gives the same
    candidates and the same clusters as doing it all at once."""
    rng = random.Random(4)
    texts = []
    for base in [*ZH_VARIANTS, *EN_VARIANTS, *UNRELATED] * 6:
        chars = list(base)
        for _ in range(rng.randint(0, 3)):
            chars[rng.randrange(len(chars))] = rng.choice("的了是我你他好啊abc!")
        texts.append("".join(chars))
    params = NearDupParams()
    keys = signatures(texts, params)  # only to get band keys of the same shape as the real ones
    band_keys = np.ascontiguousarray(keys.reshape(len(texts), params.bands, params.rows)[:, :, 0].T)
    whole_candidates = neardup._candidates(band_keys, params)
    whole = near_duplicate_clusters(texts, params)
    monkeypatch.setattr(neardup, "_DEDUPE_SLICE", 7)
    monkeypatch.setattr(neardup, "_ROUND_SLICE", 5)
    sliced_candidates = neardup._candidates(band_keys, params)
    for a, b in zip(whole_candidates, sliced_candidates, strict=True):
        assert a.tolist() == b.tolist()
    assert len(whole_candidates[0]) > 7  # more than one slice really happened
    assert near_duplicate_clusters(texts, params).tolist() == whole.tolist()
    assert len(set(whole.tolist()) - {-1}) >= 2


def test_screen_accepts_drops_and_defers() -> None:
    """Identical signatures are accepted, disjoint ones dropped after the first window, and agreement right at
    the threshold is left for the exact check."""
    params = NearDupParams()
    rng = np.random.default_rng(0)
    base = rng.integers(0, 1 << 32, params.hashes, dtype=np.uint64).astype(np.uint32)
    other = rng.integers(0, 1 << 32, params.hashes, dtype=np.uint64).astype(np.uint32)
    near = base.copy()
    near[rng.permutation(params.hashes)[: round(0.3 * params.hashes)]] ^= 1  # 70% agreement
    sig = np.stack([base, base.copy(), other, near])
    left, right = np.array([0, 0, 0], np.int64), np.array([1, 2, 3], np.int64)
    accepted, undecided, agree = neardup._screen(sig, left, right, params)
    assert accepted.tolist() == [0] and undecided.tolist() == [2]
    assert agree.tolist() == [round(0.7 * params.hashes)]
    # 15 columns: one window, the plain NumPy path; too few to accept anything on the signature alone
    odd = NearDupParams(bands=5, rows=3)
    accepted, undecided, _ = neardup._screen(sig[:, :15].copy(), left, right, odd)
    assert accepted.tolist() == [] and undecided.tolist() == [0, 2]


# --- property: membership follows the exact Jaccard ----------------------------------------------------------

ALPHABET = "abcdefghij klmnop你好世界天气今日真的很😂👍，。!"


@st.composite
def text_pairs(draw: st.DrawFn) -> tuple[str, str]:
    """A random text and either an edited copy (a few insertions / deletions / substitutions) or a fresh text."""
    base = draw(st.text(alphabet=ALPHABET, min_size=20, max_size=120))
    if draw(st.booleans()):
        return base, draw(st.text(alphabet=ALPHABET, min_size=20, max_size=120))
    other = list(base)
    for _ in range(draw(st.integers(0, 4))):
        pos = draw(st.integers(0, len(other)))
        op = draw(st.sampled_from(("insert", "delete", "replace")))
        char = draw(st.sampled_from(ALPHABET))
        if op == "insert":
            other.insert(pos, char)
        elif pos < len(other):
            if op == "delete":
                del other[pos]
            else:
                other[pos] = char
    return base, "".join(other)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(text_pairs())
def test_membership_follows_exact_jaccard(pair: tuple[str, str]) -> None:
    """J >= 0.9: the pair is joined (a miss needs LSH and the signature test to fail far from their tuned range:
    probability ~1e-11 per pair with the fixed seed); J <= 0.3: never joined (the exact check decides near the
    threshold, and the signature test cannot accept so far below it)."""
    a, b = pair
    exact = jaccard(a, b)
    norm = neardup.normalise([a, b])
    assume(min(len(t) for t in norm) >= NearDupParams().min_chars)
    assume(exact >= 0.9 or exact <= 0.3)
    clusters = near_duplicate_clusters([a, b]).tolist()
    if exact >= 0.9:
        assert clusters == [0, 0]
    else:
        assert clusters == [-1, -1]


def test_the_pieces_of_a_distributed_run_give_the_same_clusters() -> None:
    """What engines/spark_events.py does, in one process and in small slices: normalise, sign, candidates bucket
    by bucket (`bucket_pairs`, rows shuffled, a family far over ALL_PAIRS_MAX in one bucket), every candidate
    verified in slices (`verify_pairs`), components (`component_roots`): the clusters of near_duplicate_clusters."""
    rng = random.Random(9)
    family = [EN_BASE + f" {i:03d}" for i in range(3 * neardup.ALL_PAIRS_MAX)]
    texts = sorted({*family, *ZH_VARIANTS, *EN_VARIANTS, *UNRELATED})
    params = NearDupParams()
    renorm = neardup.normalise_array(texts)
    assert renorm.to_pylist() == neardup.normalise(texts)
    sig, keys = neardup.signature_rows(renorm, params)
    assert sig.tolist() == signatures(texts, params).tolist()

    rows = [(band, int(keys[band, node]), node) for band in range(params.bands) for node in range(len(texts))]
    rng.shuffle(rows)
    bucket = np.array([(band << 32) | key for band, key, _ in rows], dtype=np.uint64)
    left, right = neardup.bucket_pairs(bucket, np.array([node for *_, node in rows], dtype=np.int64))
    candidates = sorted(set(zip(left.tolist(), right.tolist(), strict=True)))
    expected = neardup._candidates(keys, params)
    assert candidates == sorted(zip(expected[0].tolist(), expected[1].tolist(), strict=True))
    assert len(candidates) > len(family)

    a = np.array([c[0] for c in candidates], dtype=np.int64)
    b = np.array([c[1] for c in candidates], dtype=np.int64)
    ok = np.concatenate(
        [
            neardup.verify_pairs(
                sig[a[i : i + 5]], sig[b[i : i + 5]], renorm.take(a[i : i + 5]), renorm.take(b[i : i + 5]), params
            )
            for i in range(0, len(a), 5)
        ]
    )
    nodes, roots = neardup.component_roots(a[ok], b[ok])
    clusters = np.full(len(texts), -1, dtype=np.int64)
    clusters[nodes] = roots
    assert clusters.tolist() == near_duplicate_clusters(texts, params).tolist()
    assert same_cluster(clusters, [texts.index(t) for t in family])
