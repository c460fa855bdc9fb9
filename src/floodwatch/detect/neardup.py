"""Near-duplicate text clusters: MinHash + LSH banding + verification + connected components, in NumPy.

The coordination detector's `similar_text` co-action needs one key per post such that copy-paste variants of a
text (a changed punctuation mark, an added emoji, a swapped word; Chinese or English) share it. This module gives
every text a cluster id: texts whose character-shingle Jaccard similarity is at least `threshold` are joined, and
joins chain transitively (connected components), so a campaign's family of edited copies becomes one cluster.

Why hand-written rather than a MinHash library: the usual Python packages hash shingle by shingle, in a Python
loop per text (and per shingle), which is a Python-level cost paid tens of millions of times at a million posts;
they also stop at candidate pairs, leaving verification, capped buckets and components to the caller. Here every
step runs as whole-array NumPy / Arrow operations over all texts of a block at once, with no new dependency:

1. Normalise in Arrow (NFKC, lower case, whitespace runs -> one space, trimmed), after an exact dedupe of the raw
   strings, then dedupe the normalised strings: water armies repeat texts verbatim, so this is the big saving,
   and identical normalised texts are the same node, hence the same cluster.
2. Decode the UTF-8 buffer to code points with array arithmetic (no per-text Python), pack each run of
   `shingle` code points into one uint64 (exact for shingle <= 3: 21 bits per code point) and mix it to 32 bits.
3. MinHash: `bands * rows` hash functions h_j(x) = (x ^ r_j) * a_j mod 2**32 (a_j odd, so each is a
   permutation of the already well-mixed 32-bit shingle hashes), evaluated on an [H, block] matrix that fits in
   cache and reduced per text with `np.minimum.reduceat`. Blocks run on a small thread pool (NumPy releases the
   GIL), so memory stays bounded by the block size, not the corpus.
4. LSH: each band's rows hash to a 64-bit key; sorting the keys groups equal ones. A bucket of up to
   `_ALL_PAIRS_MAX` texts proposes all its pairs; a larger one (a big family of near-identical texts) proposes
   only each member with the bucket's first member plus each member with its predecessor, which is linear in the
   bucket and enough for the components to chain the family together.
5. Verify every candidate: the share of agreeing signature positions estimates Jaccard; clear accepts and clear
   rejects (more than three standard errors from the threshold) are decided by it, the uncertain rest by the
   exact shingle Jaccard, computed vectorised on just those pairs. Precision is then that of the exact measure
   except for a negligible tail, and recall is lost only where LSH proposes no candidate at all.
6. Connected components by min-label propagation with pointer jumping; a cluster's id is the index of its first
   member in the input, so ids are deterministic and independent of thread timing.

The defaults `bands=24, rows=4` (96 hashes) put the LSH S-curve's midpoint (1/b)**(1/r) ~ 0.45 well below the
0.7 threshold: a pair at exactly Jaccard 0.7 becomes a candidate with probability 1 - (1 - 0.7**4)**24 ~ 0.9986,
one at 0.8 with ~1 - 1e-6, while a pair at 0.2 does so with probability ~0.04 (and is then rejected by the
verification). rows=3 would flood the verification with template-sharing pairs at 0.3-0.5; rows=5 needs ~50
bands (and hashes) for the same recall at 0.7. 96 hashes also make the signature estimate's standard error
~0.047 at 0.7, so only pairs estimated within ~0.14 of the threshold need the exact check.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["NearDupParams", "jaccard", "near_duplicate_clusters", "normalise", "signatures"]

U8 = npt.NDArray[np.uint8]
U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Texts: TypeAlias = Sequence[str | None] | pa.Array | pa.ChunkedArray

# Whitespace as Python's str.isspace() sees it, in RE2 syntax (RE2's \s is ASCII only).
_WS = r"[\t\n\x0b\f\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]+"
_ALL_PAIRS_MAX = 8  # buckets up to this size propose all pairs; larger ones a star on the first member + a chain
_BLOCK_TEXTS = 16_384  # texts per signature block (a worker's unit; bounds its memory to a few tens of MB)
_TILE_SHINGLES = 8_192  # shingles per [H, tile] MinHash tile: 96 x 8192 x 4 B = 3 MB, stays in cache
_PAIR_CHUNK = 262_144  # candidate pairs per signature-agreement chunk
_EARLY_COLUMNS = 16  # signature columns of the quick first test of a candidate pair (64 bytes: one cache line)
_EXACT_ELEMENTS = 8_000_000  # shingles gathered per exact-Jaccard chunk
_SIGMAS = 3.0  # agreement this many standard errors from the threshold decides a pair without the exact check
_EMPTY = np.uint32(0xFFFFFFFF)  # signature value of a text with no shingle
_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


@dataclass(frozen=True)
class NearDupParams:
    """Settings of `near_duplicate_clusters`; `bands * rows` is the signature length (see the module docstring)."""

    threshold: float = 0.7  # Jaccard similarity of character shingles at which two texts are near-duplicates
    shingle: int = 3  # characters per shingle, on normalised text (language-agnostic: no word segmentation)
    bands: int = 24  # LSH bands: more bands, higher recall near the threshold, more candidates to verify
    rows: int = 4  # signature rows per band: more rows, fewer low-similarity candidates
    min_chars: int = 12  # normalised texts shorter than this get no cluster: too short to tell copy from chance
    seed: int = 1  # seeds the shingle hash and the MinHash permutations

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {self.threshold}")
        for name in ("shingle", "bands", "rows", "min_chars"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.bands * self.rows > 4096:
            raise ValueError("bands * rows must be at most 4096")

    @property
    def hashes(self) -> int:
        """The signature length, bands * rows."""
        return self.bands * self.rows


# --- normalisation -------------------------------------------------------------------------------------------


def _as_large_strings(texts: Texts) -> pa.LargeStringArray:
    """Any accepted input as one contiguous large_string array (nulls kept)."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks() if texts.num_chunks else pa.array([], type=pa.large_string())
    if not isinstance(texts, pa.Array):
        texts = pa.array(list(texts), type=pa.large_string())
    if texts.type != pa.large_string():
        texts = texts.cast(pa.large_string())
    return texts


def _normalise_slice(texts: pa.Array) -> pa.Array:
    folded = pc.utf8_lower(pc.utf8_normalize(texts.fill_null(""), "NFKC"))
    return pc.utf8_trim(pc.replace_substring_regex(folded, _WS, " "), " ")


def _normalise(texts: pa.LargeStringArray, workers: int) -> pa.LargeStringArray:
    """NFKC, lower case, whitespace runs collapsed to one space, trimmed; None becomes ''.

    Arrow's string kernels are single-threaded but release the GIL, so halves run side by side."""
    n = len(texts)
    if workers < 2 or n < 50_000:
        return _normalise_slice(texts)
    step = -(-n // workers)
    with ThreadPoolExecutor(workers) as pool:
        parts = list(pool.map(lambda s: _normalise_slice(texts.slice(s, step)), range(0, n, step)))
    return pa.concat_arrays(parts)


def normalise(texts: Texts) -> list[str]:
    """The normalised form of each text, exactly as the clustering sees it (for tests and explanations)."""
    result: list[str] = _normalise(_as_large_strings(texts), 1).to_pylist()
    return result


# --- shingles ------------------------------------------------------------------------------------------------


def _code_points(texts: pa.LargeStringArray) -> tuple[U64, I64]:
    """UTF-8 decoded with array arithmetic: all code points (uint64) and each text's [start, end) char offsets."""
    n = len(texts)
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int64)[texts.offset : texts.offset + n + 1]
    data = texts.buffers()[2]
    raw: U8 = (
        np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]] if data is not None else np.zeros(0, np.uint8)
    )
    byte_offsets = offsets - offsets[0]
    lead = (raw & 0xC0) != 0x80
    starts = np.flatnonzero(lead)
    padded = np.concatenate([raw, np.zeros(3, np.uint8)])
    b0 = padded[starts].astype(np.uint64)
    b1 = (padded[starts + 1] & 0x3F).astype(np.uint64)
    b2 = (padded[starts + 2] & 0x3F).astype(np.uint64)
    b3 = (padded[starts + 3] & 0x3F).astype(np.uint64)
    cp = np.where(
        b0 < 0x80,
        b0,
        np.where(
            b0 < 0xE0,
            ((b0 & 0x1F) << 6) | b1,
            np.where(
                b0 < 0xF0, ((b0 & 0x0F) << 12) | (b1 << 6) | b2, ((b0 & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3
            ),
        ),
    )
    before = np.zeros(len(raw) + 1, np.int64)
    np.cumsum(lead, out=before[1:])
    return cp, before[byte_offsets]


def _shingles(texts: pa.LargeStringArray, k: int) -> tuple[U64, I64]:
    """Every text's shingles (runs of k code points, with repeats) as uint64 and per-text offsets into them.

    For k <= 3 the value is the exact code-point triple (21 bits each); longer shingles are a 64-bit polynomial
    hash. A text shorter than k has no shingle."""
    cp, char_off = _code_points(texts)
    total = len(cp)
    count = max(total - k + 1, 0)
    if k <= 3:
        values = cp[:count].copy()
        for i in range(1, k):
            values <<= np.uint64(21)
            values |= cp[i : i + count]
    else:
        values = cp[:count].copy()
        for i in range(1, k):
            values *= np.uint64(0x100000001B3)
            values += cp[i : i + count]
    lengths = np.diff(char_off)
    per_text = np.maximum(lengths - (k - 1), 0)
    # the first len-k+1 positions of each text start a shingle: +1 at each run's start, -1 past its end
    has = per_text > 0
    starts = char_off[:-1][has]
    marks = (
        np.bincount(starts, minlength=count + 1)[: count + 1]
        - np.bincount(starts + per_text[has], minlength=count + 1)[: count + 1]
    )
    keep = np.cumsum(marks[:count]) > 0
    sh_off = np.zeros(len(per_text) + 1, np.int64)
    np.cumsum(per_text, out=sh_off[1:])
    return values[keep], sh_off


def _mix64(values: U64, seed: int) -> U64:
    """splitmix64's finaliser on seed-salted values: shingle codes become uniformly spread 64-bit hashes."""
    x = values ^ np.uint64((seed * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF)
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


# --- MinHash signatures --------------------------------------------------------------------------------------


def _workers() -> int:
    """Threads for the block-parallel steps: the CPUs this process may use, at most 8."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8))


def _permutations(params: NearDupParams) -> tuple[U32, U32]:
    """The xor masks r_j and odd multipliers a_j of the hash functions h_j(x) = (x ^ r_j) * a_j mod 2**32."""
    rng = np.random.default_rng([params.seed, 0x4E44])
    masks = rng.integers(0, 1 << 32, size=params.hashes, dtype=np.uint64).astype(np.uint32)
    mults = (rng.integers(0, 1 << 32, size=params.hashes, dtype=np.uint64) | np.uint64(1)).astype(np.uint32)
    return masks[:, None], mults[:, None]


def _signature_block(texts: pa.LargeStringArray, params: NearDupParams, masks: U32, mults: U32) -> U32:
    """[len(texts), H] MinHash signatures of one block; a text without shingles gets all 0xFFFFFFFF."""
    values, sh_off = _shingles(texts, params.shingle)
    hashed = (_mix64(values, params.seed) >> np.uint64(32)).astype(np.uint32)
    del values
    n = len(texts)
    out = np.full((params.hashes, n), _EMPTY, dtype=np.uint32)
    tile = np.empty((params.hashes, _TILE_SHINGLES), dtype=np.uint32)
    t0 = 0
    while t0 < n:
        # as many texts as fit in one tile (at least one, however long)
        t1 = int(np.searchsorted(sh_off, sh_off[t0] + _TILE_SHINGLES, side="right")) - 1
        t1 = min(max(t1, t0 + 1), n)
        s0, s1 = int(sh_off[t0]), int(sh_off[t1])
        if s1 > s0:
            work = tile[:, : s1 - s0] if s1 - s0 <= _TILE_SHINGLES else np.empty((params.hashes, s1 - s0), np.uint32)
            np.bitwise_xor(hashed[None, s0:s1], masks, out=work)
            np.multiply(work, mults, out=work)
            starts = np.minimum(sh_off[t0:t1] - s0, s1 - s0 - 1)
            out[:, t0:t1] = np.minimum.reduceat(work, starts, axis=1)
        t0 = t1
    out[:, np.diff(sh_off) == 0] = _EMPTY  # reduceat gave empty segments their neighbour's value
    return np.ascontiguousarray(out.T)


def _blocks(n: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, n, size):
        yield start, min(start + size, n)


def _signatures(texts: pa.LargeStringArray, params: NearDupParams, workers: int) -> U32:
    """Signatures of normalised texts, block by block on `workers` threads, into one [n, H] array."""
    n = len(texts)
    sig = np.empty((n, params.hashes), dtype=np.uint32)
    masks, mults = _permutations(params)

    def run(bounds: tuple[int, int]) -> None:
        start, stop = bounds
        sig[start:stop] = _signature_block(texts.slice(start, stop - start), params, masks, mults)

    if workers > 1 and n > _BLOCK_TEXTS:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(run, _blocks(n, _BLOCK_TEXTS)))
    else:
        for bounds in _blocks(n, _BLOCK_TEXTS):
            run(bounds)
    return sig


def signatures(texts: Texts, params: NearDupParams = NearDupParams()) -> U32:
    """uint32 [len(texts), bands * rows] MinHash signatures of the normalised texts.

    Row j of two texts agrees with probability equal to their shingle Jaccard similarity. A text with fewer than
    `shingle` characters (None and '' included) has no shingle and gets 0xFFFFFFFF everywhere."""
    raw = _as_large_strings(texts)
    workers = _workers()
    encoded = pc.dictionary_encode(_normalise(raw, workers))
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    unique_sig = _signatures(encoded.dictionary, params, workers)
    result: U32 = unique_sig[indices]
    return result


# --- candidates from LSH bands ---------------------------------------------------------------------------------


def _band_buckets(sig: U32, band: int, rows: int) -> tuple[I64, I64, I64]:
    """The texts sorted by the band's key, and the start and length of each bucket (run of equal keys) of 2+.

    The key is the band's `rows` signature values folded by multiply-xor hashing, cut to 32 bits and packed
    above the text index, so one plain sort of uint64 (SIMD, far faster than an argsort) groups the buckets
    with members in index order. Two unrelated texts share a 32-bit key by chance with probability 2**-32;
    at a million texts that is ~100 spurious pairs a band, all rejected by the verification."""
    n = len(sig)
    key = np.full(n, np.uint64((band + 1) * 0x9E3779B97F4A7C15 & 0xFFFFFFFFFFFFFFFF), dtype=np.uint64)
    for col in range(band * rows, (band + 1) * rows):
        key ^= sig[:, col]
        key *= np.uint64(0xFF51AFD7ED558CCD)
        key ^= key >> np.uint64(29)
    key &= np.uint64(0xFFFFFFFF00000000)
    key |= np.arange(n, dtype=np.uint64)
    key.sort()
    order = (key & np.uint64(0xFFFFFFFF)).astype(np.int64)
    bucket = key >> np.uint64(32)
    starts = np.flatnonzero(np.concatenate([[True], bucket[1:] != bucket[:-1]]))
    lengths = np.diff(np.append(starts, n))
    shared = lengths > 1
    return order, starts[shared], lengths[shared]


def _ranges(starts: I64, lengths: I64) -> I64:
    """Concatenated aranges [starts[i], starts[i] + lengths[i]) as one array."""
    total = int(lengths.sum())
    before = np.cumsum(lengths) - lengths
    out: I64 = np.repeat(starts - before, lengths) + np.arange(total, dtype=np.int64)
    return out


def _band_pairs(order: I64, starts: I64, lengths: I64) -> tuple[I64, I64]:
    """Candidate pairs (left < right) of a band's buckets: all pairs in small buckets, linear in big ones.

    A bucket of more than `_ALL_PAIRS_MAX` members proposes each member with the bucket's first member (a star)
    and with its predecessor (a chain): if the first member is an outlier the chain still links the family."""
    lefts: list[I64] = []
    rights: list[I64] = []
    for size in range(2, _ALL_PAIRS_MAX + 1):
        at = starts[lengths == size]
        if len(at):
            iu, ju = np.triu_indices(size, 1)
            lefts.append(order[(at[:, None] + iu).ravel()])
            rights.append(order[(at[:, None] + ju).ravel()])
    big = lengths > _ALL_PAIRS_MAX
    if big.any():
        at, big_len = starts[big], lengths[big]
        members = _ranges(at + 1, big_len - 1)  # every member but the first, by sorted position
        firsts = np.repeat(at, big_len - 1)
        lefts.append(order[firsts])
        rights.append(order[members])
        chained = members[members - firsts >= 2]  # (first, second) is already in the star
        lefts.append(order[chained - 1])
        rights.append(order[chained])
    if not lefts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(lefts), np.concatenate(rights)


# --- verification ------------------------------------------------------------------------------------------------


def _agreements(sig: U32, left: I64, right: I64, lo: int, hi: int) -> I64:
    """Agreeing signature positions in columns [lo, hi) of each pair, in chunks so gathered rows stay small."""
    out = np.empty(len(left), np.int64)
    for start, stop in _blocks(len(left), _PAIR_CHUNK):
        a, b = sig[left[start:stop], lo:hi], sig[right[start:stop], lo:hi]
        out[start:stop] = np.count_nonzero(a == b, axis=1)
    return out


def _sorted_unique(values: U64) -> U64:
    """np.unique by sorting (NumPy 2's hash-based unique is several times slower on uint64 here)."""
    values = np.sort(values)
    if len(values) < 2:
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    result: U64 = values[keep]
    return result


def _exact_chunk(texts: pa.LargeStringArray, left: I64, right: I64, params: NearDupParams) -> F64:
    """Jaccard of each pair's shingle sets (texts given by index into `texts`).

    Each shingle becomes a 40-bit hash under a 24-bit pair number, so one uint64 sort finds each side's set and
    the intersection; two different shingles of one pair collide with probability ~|A|*|B| / 2**40 (1e-8 for
    100-character texts), so this is exact for all practical purposes."""
    m = len(left)
    nodes, local = np.unique(np.concatenate([left, right]), return_inverse=True)
    values, sh_off = _shingles(texts.take(pa.array(nodes)), params.shingle)
    hashed = _mix64(values, params.seed + 1) >> np.uint64(24)
    del values
    count = np.diff(sh_off)
    pair = np.arange(m, dtype=np.uint64)

    def side(nodes_of_pair: I64) -> U64:
        size = count[nodes_of_pair]
        keys: U64 = (np.repeat(pair, size) << np.uint64(40)) | hashed[_ranges(sh_off[:-1][nodes_of_pair], size)]
        return _sorted_unique(keys)  # each pair's set without repeats

    set_a, set_b = side(local[:m]), side(local[m:])
    size_a = np.bincount((set_a >> np.uint64(40)).astype(np.int64), minlength=m)
    size_b = np.bincount((set_b >> np.uint64(40)).astype(np.int64), minlength=m)
    both = np.sort(np.concatenate([set_a, set_b]))
    shared = both[1:][both[1:] == both[:-1]] >> np.uint64(40)
    inter = np.bincount(shared.astype(np.int64), minlength=m).astype(np.float64)
    union = size_a + size_b - inter
    result: F64 = np.divide(inter, union, out=np.zeros(m), where=union > 0)
    return result


def _exact_jaccards(texts: pa.LargeStringArray, lengths: I64, left: I64, right: I64, params: NearDupParams) -> F64:
    """Jaccard of many pairs, in chunks of about `_EXACT_ELEMENTS` shingles."""
    out = np.empty(len(left), np.float64)
    cost = np.cumsum(lengths[left] + lengths[right])
    start = 0
    while start < len(left):
        base = cost[start - 1] if start else 0
        stop = max(int(np.searchsorted(cost, base + _EXACT_ELEMENTS, side="right")), start + 1)
        out[start:stop] = _exact_chunk(texts, left[start:stop], right[start:stop], params)
        start = stop
    return out


def _bounds(n: int, threshold: float) -> tuple[float, float]:
    """Agreement counts (of n positions) below which a pair is surely under the threshold, and at or above which
    it is surely at or over it: `_SIGMAS` binomial standard errors (plus one position) either side."""
    margin = _SIGMAS * math.sqrt(n * threshold * (1.0 - threshold)) + 1.0
    return threshold * n - margin, threshold * n + margin


def _verify(
    texts: pa.LargeStringArray, lengths: I64, sig: U32, left: I64, right: I64, band: int, params: NearDupParams
) -> npt.NDArray[np.bool_]:
    """Which candidate pairs of `band` reach the threshold.

    Their band's own rows agree by construction, so they are left out of every estimate. (1) A quick test on
    up to `_EARLY_COLUMNS` columns next to the band (one cache line per row) drops pairs far below the
    threshold: most candidates are pairs of unrelated texts that share common shingles. (2) The agreement over
    all other columns accepts pairs clearly above and rejects those clearly below. (3) The exact Jaccard
    decides the rest."""
    rows, total = params.rows, params.hashes
    t = params.threshold
    keep = np.ones(len(left), dtype=bool)
    early = min(_EARLY_COLUMNS, total - rows)
    window = (band + 1) * rows if (band + 1) * rows + early <= total else band * rows - early
    if early >= 8 and window >= 0:
        low, _ = _bounds(early, t)
        keep = _agreements(sig, left, right, window, window + early) >= low
    idx = np.flatnonzero(keep)
    if not len(idx):
        return keep
    others = total - rows
    agree = _agreements(sig, left[idx], right[idx], 0, total) - rows
    low, high = _bounds(others, t) if others else (0.0, math.inf)
    accepted = agree >= high
    unsure = np.flatnonzero(~accepted & (agree >= low))
    if len(unsure):
        exact = _exact_jaccards(texts, lengths, left[idx[unsure]], right[idx[unsure]], params)
        accepted[unsure[exact >= t - 1e-12]] = True
    keep[idx] = accepted
    return keep


# --- components and the public entry point -------------------------------------------------------------------


def _join(label: I64, left: I64, right: I64) -> I64:
    """Labels after adding the edges: each node's label is the smallest node index of its component.

    `label` must be fully compressed (every label is a root, label[root] == root). Min-label hooking with
    pointer jumping: each round, every edge whose ends have different labels hooks the larger root under the
    smaller one; then labels jump to their roots. Parents always have smaller indices, so no cycle can form,
    and a component's root ends as its smallest member."""
    while len(left):
        lu, lv = label[left], label[right]
        differ = lu != lv
        if not differ.any():
            break
        left, right = left[differ], right[differ]  # edges already inside one component never matter again
        np.minimum.at(label, np.maximum(lu, lv)[differ], np.minimum(lu, lv)[differ])
        while True:
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
    return label


def _components(texts: pa.LargeStringArray, lengths: I64, sig: U32, params: NearDupParams) -> I64:
    """Component labels of the verified near-duplicate graph, band by band.

    Working band by band lets a pair whose texts are already joined (a family of copies is typically joined by
    its first bands) skip verification, and keeps only one band's candidates in memory."""
    label = np.arange(len(sig), dtype=np.int64)
    for band in range(params.bands):
        left, right = _band_pairs(*_band_buckets(sig, band, params.rows))
        apart = label[left] != label[right]
        left, right = left[apart], right[apart]
        if len(left):
            ok = _verify(texts, lengths, sig, left, right, band, params)
            label = _join(label, left[ok], right[ok])
    return label


def near_duplicate_clusters(texts: Texts, params: NearDupParams = NearDupParams()) -> I64:
    """int64 array, one per input: a cluster id shared by near-duplicates, or -1 for texts too short / empty /
    without any near-duplicate partner. Cluster ids are the index of the cluster's first member (deterministic).

    Near-duplicates: normalised texts with shingle Jaccard >= `params.threshold`, joined transitively. Identical
    normalised texts always share a cluster (when long enough); a text with no partner gets -1."""
    raw = _as_large_strings(texts)
    n = len(raw)
    result = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return result
    workers = _workers()
    # exact dedupe of the raw strings, normalise only those, then dedupe the normalised forms
    raw_enc = pc.dictionary_encode(raw.fill_null(""))
    norm_enc = pc.dictionary_encode(_normalise(raw_enc.dictionary, workers))
    text_of_post = norm_enc.indices.to_numpy(zero_copy_only=False)[raw_enc.indices.to_numpy(zero_copy_only=False)]
    del raw_enc
    unique = norm_enc.dictionary
    lengths = pc.utf8_length(unique).to_numpy(zero_copy_only=False).astype(np.int64)
    eligible = np.flatnonzero(lengths >= max(params.min_chars, params.shingle))
    if len(eligible) == 0:
        return result
    nodes = unique.take(pa.array(eligible))
    sig = _signatures(nodes, params, workers)
    label = _components(nodes, lengths[eligible], sig, params)
    del sig
    node_of_text = np.full(len(unique), -1, dtype=np.int64)
    node_of_text[eligible] = np.arange(len(eligible))
    node = node_of_text[text_of_post]
    posts = np.flatnonzero(node >= 0)
    component = label[node[posts]]
    size = np.bincount(component, minlength=len(eligible))
    first = np.full(len(eligible), n, dtype=np.int64)
    np.minimum.at(first, component, posts)
    clustered = size[component] >= 2
    result[posts[clustered]] = first[component[clustered]]
    return result


# --- exact Jaccard (tests and the recall benchmark) ----------------------------------------------------------


def _shingle_set(text: str, k: int) -> set[str]:
    return {text[i : i + k] for i in range(len(text) - k + 1)}


def jaccard(a: str, b: str, shingle: int = 3) -> float:
    """Exact Jaccard similarity of the two texts' shingle sets, after the same normalisation as the clustering.

    Texts shorter than `shingle` characters have no shingle: two such texts score 1.0 when equal, else 0.0."""
    norm_a, norm_b = normalise([a, b])
    set_a, set_b = _shingle_set(norm_a, shingle), _shingle_set(norm_b, shingle)
    if not set_a and not set_b:
        return 1.0 if norm_a == norm_b else 0.0
    return len(set_a & set_b) / len(set_a | set_b)
