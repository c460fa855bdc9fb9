"""Near-duplicate text clusters: MinHash + LSH banding + verification + connected components, in NumPy.

The coordination detector's `similar_text` co-action needs one key per post such that copy-paste variants of a
text (a changed punctuation mark, an added emoji, a swapped word; Chinese or English) share it. This module gives
every text a cluster id: texts whose character-shingle Jaccard similarity is at least `threshold` are joined, and
joins chain transitively (connected components), so a campaign's family of edited copies becomes one cluster.

Why hand-written rather than a MinHash library: the usual Python MinHash packages update a sketch shingle by
shingle in a Python loop, a Python-level cost paid once per shingle per text (tens of millions of times at a
million posts), and they stop at candidate pairs, leaving verification, capped buckets and components to the
caller. Here every step is whole-array NumPy / Arrow work over a block of texts, with no new dependency, so a
million texts take seconds (bench/neardup.py measures it) in bounded memory:

1. Normalise in Arrow (NFKC, lower case, whitespace runs -> one space, trimmed) and dedupe the normalised
   strings: water armies repeat texts verbatim, so this is a big saving, and identical normalised texts are one
   node, hence one cluster. Texts under `min_chars` characters are left out here.
2. Decode each block's UTF-8 to code points in two C codec passes over the whole block (no per-text Python);
   pack each run of `shingle` code points into one uint64 (exact for shingle <= 3: 21 bits per code point) and
   mix it to a 32-bit hash.
3. MinHash: `bands * rows` hash functions h_j(x) = (x ^ r_j) * a_j mod 2**32 (a_j odd, so each is a
   permutation of the already well-mixed shingle hashes; their estimates' variance matches ideal random
   permutations), evaluated on an [H, 8192] tile that stays in cache and reduced per text with
   `np.minimum.reduceat`. Blocks run on a thread pool (NumPy releases the GIL); memory is the signatures
   (4 * H bytes a text) plus a few tens of MB per worker.
4. LSH: each band's rows fold into a 32-bit key packed above the text index, so one SIMD sort of uint64 per
   band groups the buckets. A bucket of up to `ALL_PAIRS_MAX` texts proposes all its pairs; a larger one (a
   family of copies, or unrelated texts sharing very common shingles) proposes each member with the bucket's
   first member and with its predecessor: linear in the bucket, and enough to chain a family together.
   Pairs are deduplicated across bands, counting the bands they collided in.
5. Verify before joining, so that precision stays that of the exact measure. Pairs go in rounds, those that
   collided in the most bands (the likeliest near-duplicates) first, and a pair whose texts are already joined
   is skipped. A sequential test reads the signatures 16 columns (one cache line) at a time and accepts or
   drops a pair as soon as its agreement is clearly (`_SIGMAS` standard errors) above or below the threshold;
   most candidates are dropped after one or two windows. The pairs still undecided after all columns get the
   exact shingle Jaccard, computed vectorised on just those pairs (`_exact_chunk`).
6. Connected components by min-label hooking with pointer jumping; a cluster's id is the index of its first
   member in the input, so ids are deterministic (nothing depends on thread timing).

Defaults `bands=24, rows=4` (96 hashes): the LSH S-curve's midpoint (1/b)**(1/r) ~ 0.45 sits well below the 0.7
threshold, so a pair at exactly 0.7 becomes a candidate with probability 1 - (1 - 0.7**4)**24 ~ 0.9986 (0.8:
1 - 3e-6), while one at 0.2 does with probability ~0.04 and one at 0.1 ~0.002, to be dropped by the verification.
rows=3 (b=16 for the same recall) makes pairs at 0.2-0.3 two to three times likelier candidates, and template-
sharing texts are plentiful in real posts; rows=5 needs 36 bands (180 hashes, nearly twice the signature time)
for the same recall at 0.7. 96 hashes also give the agreement estimate a standard error of ~0.047 at 0.7,
which keeps the undecided band, and so the exact checks, narrow.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeAlias, TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "ALL_PAIRS_MAX",
    "NearDupParams",
    "bucket_pairs",
    "component_roots",
    "jaccard",
    "near_duplicate_clusters",
    "normalise",
    "normalise_array",
    "signature_rows",
    "signatures",
    "verify_pairs",
]

U16 = npt.NDArray[np.uint16]
U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Texts: TypeAlias = Sequence[str | None] | pa.Array | pa.ChunkedArray
_T = TypeVar("_T")
_R = TypeVar("_R")

# Whitespace as Python's str.isspace() sees it, in RE2 syntax (RE2's \s is ASCII only).
_WS = r"[\t\n\x0b\f\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]+"
ALL_PAIRS_MAX = 8  # buckets up to this size propose all pairs; larger ones a star on the first member + a chain
_BLOCK_TEXTS = 16_384  # texts per signature block (a worker's unit; bounds its memory to a few tens of MB)
_TILE_SHINGLES = 8_192  # shingles per [H, tile] MinHash tile: 96 x 8192 x 4 B = 3 MB, stays in cache
_PAIR_CHUNK = 262_144  # candidate pairs per signature-agreement chunk
_EXACT_ELEMENTS = 8_000_000  # shingles gathered per exact-Jaccard chunk
_EXACT_BATCH = 32_768  # pairs sent to the exact check between two updates of the components
_DEDUPE_SLICE = 1 << 24  # sorted candidate codes deduplicated at a time
_ROUND_SLICE = 1 << 23  # candidates screened at a time in a verification round
_SIGMAS = 3.0  # agreement this many standard errors from the threshold decides a pair without the exact check
_SIGMAS_EARLY = 3.5  # the same on a partial signature (several looks at one pair: a wider margin)
_EMPTY = np.uint32(0xFFFFFFFF)  # signature value of a text with no shingle


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


def _normalise(texts: pa.LargeStringArray, workers: int) -> list[pa.Array]:
    """NFKC, lower case, whitespace runs collapsed to one space, trimmed; None becomes ''. In consecutive parts.

    Arrow's string kernels are single-threaded but release the GIL, so parts run side by side; they are not
    concatenated (that would copy every string once more): `_dedupe` encodes them as one chunked array."""
    n = len(texts)
    if workers < 2 or n < 50_000:
        return [_normalise_slice(texts)]
    step = -(-n // workers)
    return _each(lambda start: _normalise_slice(texts.slice(start, step)), range(0, n, step), workers)


def _dedupe(parts: list[pa.Array]) -> tuple[pa.LargeStringArray, I64]:
    """The distinct strings (in order of first appearance) and each input string's index among them."""
    encoded = pc.dictionary_encode(pa.chunked_array(parts, type=pa.large_string()))
    if not encoded.num_chunks:
        return pa.array([], type=pa.large_string()), np.zeros(0, np.int64)
    indices = [chunk.indices.to_numpy(zero_copy_only=False) for chunk in encoded.chunks]
    return encoded.chunks[0].dictionary, np.concatenate(indices).astype(np.int64)


def normalise(texts: Texts) -> list[str]:
    """The normalised form of each text, exactly as the clustering sees it (for tests and explanations)."""
    result: list[str] = _normalise(_as_large_strings(texts), 1)[0].to_pylist()
    return result


# --- shingles ------------------------------------------------------------------------------------------------


def _code_points(texts: pa.LargeStringArray) -> tuple[U32, I64]:
    """All code points of the texts (uint32) and each text's [start, end) offsets into them.

    The block's UTF-8 bytes are decoded and re-encoded as UTF-32 by two C codec passes over the whole block at
    once (no per-text Python); Arrow counts each text's characters. The texts must be valid UTF-8, which Arrow's
    normalisation guarantees: it rejects anything else."""
    n = len(texts)
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int64)[texts.offset : texts.offset + n + 1]
    data = texts.buffers()[2]
    raw = bytes(memoryview(data)[int(offsets[0]) : int(offsets[-1])]) if data is not None and n else b""
    cp = np.frombuffer(raw.decode("utf-8").encode("utf-32-le"), dtype="<u4").astype(np.uint32, copy=False)
    char_off = np.zeros(n + 1, np.int64)
    np.cumsum(pc.utf8_length(texts).to_numpy(zero_copy_only=False), out=char_off[1:])
    return cp, char_off


def _shingles(texts: pa.LargeStringArray, k: int) -> tuple[U64, I64]:
    """Every text's shingles (runs of k code points, with repeats) as uint64 and per-text offsets into them.

    For k <= 3 the value is the exact code-point run (21 bits each); longer shingles are a 64-bit polynomial
    hash. A text shorter than k has no shingle."""
    cp, char_off = _code_points(texts)
    total = len(cp)
    count = max(total - k + 1, 0)
    values = cp[:count].astype(np.uint64)
    for i in range(1, k):
        following = cp[i : i + count]
        if k <= 3:
            values <<= np.uint64(21)
            values |= following
        else:
            values *= np.uint64(0x100000001B3)
            values += following
    lengths = np.diff(char_off)
    per_text = np.maximum(lengths - (k - 1), 0)
    # a shingle may not start in a text's last k-1 characters (it would run into the next text); for a text
    # shorter than k those reach back into earlier texts' last characters, which are excluded anyway
    keep = np.ones(count, dtype=bool)
    if k > 1 and count:
        tails = (char_off[1:, None] - np.arange(1, k)[None, :]).ravel()
        keep[tails[(tails >= 0) & (tails < count)]] = False
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


def _band_keys(by_hash: U32, params: NearDupParams) -> U32:
    """[bands, n] 32-bit LSH keys from hash-major signatures [H, n]: each band's rows folded by multiply-xor.

    Two unrelated texts share a 32-bit key by chance with probability 2**-32: at a million texts that is ~100
    spurious pairs a band, all rejected by the verification."""
    keys = np.empty((params.bands, by_hash.shape[1]), dtype=np.uint32)
    for band in range(params.bands):
        key = np.full(by_hash.shape[1], np.uint64((band + 1) * 0x9E3779B97F4A7C15 & 0xFFFFFFFFFFFFFFFF), np.uint64)
        for row in by_hash[band * params.rows : (band + 1) * params.rows]:
            key ^= row
            key *= np.uint64(0xFF51AFD7ED558CCD)
            key ^= key >> np.uint64(29)
        keys[band] = key >> np.uint64(32)
    return keys


def _signature_block(texts: pa.LargeStringArray, params: NearDupParams, masks: U32, mults: U32) -> tuple[U32, U32]:
    """MinHash signatures [len(texts), H] of one block (a text without shingles gets all 0xFFFFFFFF) and its
    band keys [bands, len(texts)]."""
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
            # texts without shingles keep 0xFFFFFFFF; each other text's segment runs to the next one's start
            has = t0 + np.flatnonzero(sh_off[t0 + 1 : t1 + 1] > sh_off[t0:t1])
            out[:, has] = np.minimum.reduceat(work, sh_off[has] - s0, axis=1)
        t0 = t1
    return np.ascontiguousarray(out.T), _band_keys(out, params)


def _blocks(n: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, n, size):
        yield start, min(start + size, n)


def _each(fn: Callable[[_T], _R], items: Sequence[_T], workers: int) -> list[_R]:
    """fn over the items in order, on up to `workers` threads: NumPy and Arrow release the GIL in their loops."""
    if workers < 2 or len(items) < 2:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(min(workers, len(items))) as pool:
        return list(pool.map(fn, items))


def _signatures(texts: pa.LargeStringArray, params: NearDupParams, workers: int) -> tuple[U32, U32]:
    """Signatures [n, H] and band keys [bands, n] of normalised texts, block by block on `workers` threads."""
    n = len(texts)
    sig = np.empty((n, params.hashes), dtype=np.uint32)
    keys = np.empty((params.bands, n), dtype=np.uint32)
    masks, mults = _permutations(params)

    def run(bounds: tuple[int, int]) -> None:
        start, stop = bounds
        sig[start:stop], keys[:, start:stop] = _signature_block(texts.slice(start, stop - start), params, masks, mults)

    _each(run, list(_blocks(n, _BLOCK_TEXTS)), workers)
    return sig, keys


def signatures(texts: Texts, params: NearDupParams = NearDupParams()) -> U32:
    """uint32 [len(texts), bands * rows] MinHash signatures of the normalised texts.

    Row j of two texts agrees with probability equal to their shingle Jaccard similarity. A text with fewer than
    `shingle` characters (None and '' included) has no shingle and gets 0xFFFFFFFF everywhere."""
    workers = _workers()
    unique, indices = _dedupe(_normalise(_as_large_strings(texts), workers))
    unique_sig, _ = _signatures(unique, params, workers)
    result: U32 = unique_sig[indices]
    return result


# --- candidates from LSH bands ---------------------------------------------------------------------------------


def _band_buckets(band_key: U32) -> tuple[I64, I64, I64]:
    """The texts sorted by a band's key, and the start and length of each bucket (run of equal keys) of 2+.

    The key is packed above the text index, so one plain sort of uint64 (SIMD, several times faster than an
    argsort) groups the buckets with their members in index order."""
    n = len(band_key)
    packed = (band_key.astype(np.uint64) << np.uint64(32)) | np.arange(n, dtype=np.uint64)
    packed.sort()
    order = (packed & np.uint64(0xFFFFFFFF)).astype(np.int64)
    bucket = packed >> np.uint64(32)
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

    A bucket of more than `ALL_PAIRS_MAX` members proposes each member with the bucket's first member (a star)
    and with its predecessor (a chain): if the first member is an outlier the chain still links the family."""
    lefts: list[I64] = []
    rights: list[I64] = []
    for size in range(2, ALL_PAIRS_MAX + 1):
        at = starts[lengths == size]
        if len(at):
            iu, ju = np.triu_indices(size, 1)
            lefts.append(order[(at[:, None] + iu).ravel()])
            rights.append(order[(at[:, None] + ju).ravel()])
    big = lengths > ALL_PAIRS_MAX
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


def _count_true(eq: npt.NDArray[np.bool_]) -> I64:
    """Row sums of a C-contiguous bool matrix; 8 columns at a time as popcounts when the width allows."""
    if eq.shape[1] % 8 or not eq.flags.c_contiguous:
        counted: I64 = np.asarray(np.count_nonzero(eq, axis=1), dtype=np.int64)
        return counted
    words = eq.view(np.uint64)
    total = np.bitwise_count(words[:, 0]).astype(np.int64)
    for col in range(1, words.shape[1]):
        total += np.bitwise_count(words[:, col])
    return total


def _agreements(sig: U32, left: I64, right: I64, lo: int, hi: int, workers: int = 1) -> I64:
    """Agreeing signature positions in columns [lo, hi) of each pair, in chunks so gathered rows stay small.

    A 16-column window on a 16-column boundary is gathered as one 64-byte item per row (a single cache line
    when the rows are aligned), several times faster than NumPy's mixed fancy-and-slice indexing."""
    out = np.empty(len(left), np.int64)
    line = None
    if hi - lo == 16 and lo % 16 == 0 and sig.shape[1] % 16 == 0 and sig.flags.c_contiguous:
        line = sig.view(np.dtype((np.void, 64)))[:, lo // 16]

    def run(bounds: tuple[int, int]) -> None:
        start, stop = bounds
        if line is not None:
            a = line[left[start:stop]].view(np.uint32).reshape(-1, 16)
            b = line[right[start:stop]].view(np.uint32).reshape(-1, 16)
        else:
            a, b = sig[left[start:stop], lo:hi], sig[right[start:stop], lo:hi]
        out[start:stop] = _count_true(a == b)

    _each(run, list(_blocks(len(left), _PAIR_CHUNK)), workers)
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

    Shingles become 40-bit hashes. Each text's set is sorted once (under its 24-bit local number), then each
    pair's two sets are laid out under the pair's number: both runs are sorted, so a stable sort of the two
    is a merge, and equal neighbours are the intersection. Two different shingles of one pair collide with
    probability ~|A|*|B| / 2**40 (1e-8 for 100-character texts): exact for all practical purposes."""
    m = len(left)
    ends = np.concatenate([left, right])
    nodes = np.unique(ends)
    local = np.searchsorted(nodes, ends)
    values, sh_off = _shingles(texts.take(pa.array(nodes)), params.shingle)
    owner = np.repeat(np.arange(len(nodes), dtype=np.uint64), np.diff(sh_off))
    sets = _sorted_unique((owner << np.uint64(40)) | (_mix64(values, params.seed + 1) >> np.uint64(24)))
    del values, owner
    size = np.bincount((sets >> np.uint64(40)).astype(np.int64), minlength=len(nodes))
    first = np.cumsum(size) - size
    sets &= np.uint64((1 << 40) - 1)
    pair = np.arange(m, dtype=np.uint64)

    def laid_out(nodes_of_pair: I64) -> U64:
        count = size[nodes_of_pair]
        keys: U64 = (np.repeat(pair, count) << np.uint64(40)) | sets[_ranges(first[nodes_of_pair], count)]
        return keys

    merged = np.sort(np.concatenate([laid_out(local[:m]), laid_out(local[m:])]), kind="stable")
    shared = merged[1:][merged[1:] == merged[:-1]] >> np.uint64(40)
    inter = np.bincount(shared.astype(np.int64), minlength=m).astype(np.float64)
    union = size[local[:m]] + size[local[m:]] - inter
    result: F64 = np.divide(inter, union, out=np.zeros(m), where=union > 0)
    return result


def _exact_jaccards(
    texts: pa.LargeStringArray, lengths: I64, left: I64, right: I64, params: NearDupParams, workers: int = 1
) -> F64:
    """Jaccard of many pairs, in chunks of about `_EXACT_ELEMENTS` shingles (which also keeps a chunk's pairs
    and texts under the 2**24 that `_exact_chunk` numbers them with), at least one chunk per worker thread (a
    pair's Jaccard does not depend on its chunk; NumPy's sorts release the GIL)."""
    out = np.empty(len(left), np.float64)
    if not len(left):
        return out
    cost = np.cumsum(lengths[left] + lengths[right])
    per_chunk = min(_EXACT_ELEMENTS, int(cost[-1]) // max(1, workers) + 1)
    bounds: list[tuple[int, int]] = []
    start = 0
    while start < len(left):
        base = cost[start - 1] if start else 0
        stop = max(int(np.searchsorted(cost, base + per_chunk, side="right")), start + 1)
        bounds.append((start, stop))
        start = stop

    def run(chunk: tuple[int, int]) -> None:
        lo, hi = chunk
        out[lo:hi] = _exact_chunk(texts, left[lo:hi], right[lo:hi], params)

    _each(run, bounds, workers)
    return out


def _bounds(n: int, threshold: float, sigmas: float) -> tuple[float, float]:
    """Agreement counts (of n positions) below which a pair is surely under the threshold, and at or above which
    it is surely at or over it: `sigmas` binomial standard errors (plus one position) either side."""
    margin = sigmas * math.sqrt(n * threshold * (1.0 - threshold)) + 1.0
    return threshold * n - margin, threshold * n + margin


def _screen(sig: U32, left: I64, right: I64, params: NearDupParams, workers: int = 1) -> tuple[I64, I64, I64]:
    """A sequential test of candidate pairs on their signatures: (accepted, undecided, agreement of undecided).

    The signature columns are read 16 at a time (one 64-byte gather per row, see `_agreements`); after each
    window, pairs whose agreement so far is clearly above the threshold are accepted and those clearly below
    are dropped. Most candidates are unrelated texts that share common shingles and go after one or two
    windows, so few pairs cost a full signature read. Intermediate looks use a wider margin
    (`_SIGMAS_EARLY`) to pay for looking several times. Pairs still undecided after all columns need the exact
    Jaccard. (The LSH collision that proposed a pair biases its agreement up a little for pairs far below the
    threshold; that only sends them to the exact check more often.)"""
    t, total = params.threshold, params.hashes
    if total % 16 == 0 and sig.flags.c_contiguous:
        windows = [(lo, lo + 16) for lo in range(0, total, 16)]
    else:
        windows = [(0, total)]
    accepted: list[I64] = []
    open_ = np.arange(len(left))
    agree = np.zeros(len(left), np.int64)
    seen = 0
    for i, (lo, hi) in enumerate(windows):
        agree += _agreements(sig, left[open_], right[open_], lo, hi, workers)
        seen += hi - lo
        low, high = _bounds(seen, t, _SIGMAS if i == len(windows) - 1 else _SIGMAS_EARLY)
        sure_yes, sure_no = agree >= high, agree < low
        accepted.append(open_[sure_yes])
        still = ~(sure_yes | sure_no)
        open_, agree = open_[still], agree[still]
        if not len(open_):
            break
    return np.concatenate(accepted), open_, agree


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


def _candidates(keys: U32, params: NearDupParams, workers: int = 1) -> tuple[U32, U32, U16]:
    """Every band's candidate pairs, deduplicated: left < right, and in how many bands the pair collided.

    Kept compact (4 + 4 + 2 bytes a pair), sorted in place and deduplicated in slices, since at millions of texts
    the candidates are the largest arrays of the run."""

    def band_codes(band: int) -> U64:
        left, right = _band_pairs(*_band_buckets(keys[band]))
        code: U64 = (left.astype(np.uint64) << np.uint64(32)) | right.astype(np.uint64)
        return code

    codes = _each(band_codes, range(params.bands), workers)
    code = np.concatenate(codes) if codes else np.zeros(0, np.uint64)
    del codes
    code.sort()
    lefts: list[U32] = []
    rights: list[U32] = []
    hits: list[U16] = []
    start = 0
    while start < len(code):
        # a slice ends where its last code's run ends, so no run is split between two slices
        stop = min(start + _DEDUPE_SLICE, len(code))
        stop = int(np.searchsorted(code, code[stop - 1], side="right"))
        unique, counts = np.unique(code[start:stop], return_counts=True)
        lefts.append((unique >> np.uint64(32)).astype(np.uint32))
        rights.append((unique & np.uint64(0xFFFFFFFF)).astype(np.uint32))
        hits.append(counts.astype(np.uint16))
        start = stop
    del code
    if not lefts:
        return np.zeros(0, np.uint32), np.zeros(0, np.uint32), np.zeros(0, np.uint16)
    return np.concatenate(lefts), np.concatenate(rights), np.concatenate(hits)


def _similar_enough(exact: F64, params: NearDupParams) -> npt.NDArray[np.bool_]:
    """Exact Jaccards at the threshold (up to float rounding) or above."""
    result: npt.NDArray[np.bool_] = exact >= params.threshold - 1e-12
    return result


def _components(
    texts: pa.LargeStringArray,
    lengths: I64,
    sig: U32,
    candidates: tuple[U32, U32, U16],
    params: NearDupParams,
    workers: int = 1,
) -> I64:
    """Component labels of the verified near-duplicate graph.

    The deduplicated candidates are verified in rounds, pairs that collided in the most bands first: the number
    of colliding bands grows steeply with the similarity (expected 24 * J**4 with the defaults), so the first
    rounds join the families of copies cheaply, and the many weaker pairs inside a family that is already
    joined are then skipped without verification. The same holds within a round for the pairs that need the
    exact Jaccard (the costly step): they go in batches, the best-agreeing first, each batch skipping the
    pairs that earlier batches have joined already."""
    label = np.arange(len(sig), dtype=np.int64)
    left, right, hits = candidates
    expected = [params.bands * j**params.rows for j in (0.9, params.threshold, 0.5)]
    cuts = sorted({max(1, math.ceil(e)) for e in expected} | {1}, reverse=True)
    done = np.zeros(len(left), dtype=bool)
    for cut in cuts:
        # Candidates in slices, so the round's working arrays stay small; the components do not depend on the
        # order in which verified pairs are joined.
        for lo, hi in _blocks(len(left), _ROUND_SLICE):
            todo = lo + np.flatnonzero(~done[lo:hi] & (hits[lo:hi] >= cut))
            done[todo] = True
            a, b = left[todo].astype(np.int64), right[todo].astype(np.int64)
            differ = label[a] != label[b]
            a, b = a[differ], b[differ]
            if not len(a):
                continue
            accepted, unsure, agree = _screen(sig, a, b, params, workers)
            label = _join(label, a[accepted], b[accepted])
            unsure = unsure[np.argsort(-agree, kind="stable")]
            for start, stop in _blocks(len(unsure), _EXACT_BATCH):
                batch = unsure[start:stop]
                batch = batch[label[a[batch]] != label[b[batch]]]
                if len(batch):
                    exact = _exact_jaccards(texts, lengths, a[batch], b[batch], params, workers)
                    ok = batch[_similar_enough(exact, params)]
                    label = _join(label, a[ok], b[ok])
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
    unique, text_of_post = _dedupe(_normalise(raw, workers))
    n_unique = len(unique)
    lengths = pc.utf8_length(unique).to_numpy(zero_copy_only=False).astype(np.int64)
    eligible = np.flatnonzero(lengths >= max(params.min_chars, params.shingle))
    if len(eligible) == 0:
        return result
    if len(eligible) >= 1 << 32:  # pairs and bucket keys pack a text's number into 32 bits
        raise ValueError(f"at most 2**32 - 1 distinct texts, got {len(eligible):,}")
    nodes = unique if len(eligible) == n_unique else unique.take(pa.array(eligible))
    del unique
    sig, keys = _signatures(nodes, params, workers)
    candidates = _candidates(keys, params, workers)
    del keys
    label = _components(nodes, lengths[eligible], sig, candidates, params, workers)
    del sig, candidates
    node_of_text = np.full(n_unique, -1, dtype=np.int64)
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


# --- the same steps, one piece at a time, for a distributed run (engines/spark_events.py) ------------------------
#
# `near_duplicate_clusters` holds every signature in one process. On a cluster each step runs on the executors
# over a slice of the texts or of the candidate pairs, through these functions, so that both runs make the same
# decisions: the same signatures and band keys, the same candidate rule (all pairs in buckets of up to
# ALL_PAIRS_MAX, star + chain in larger ones), the same sequential test and exact check per pair. The components
# do not depend on the order in which verified pairs are joined, so verifying every candidate (rather than
# skipping pairs already joined) changes the work, not the clusters.


def normalise_array(texts: Texts) -> pa.LargeStringArray:
    """The normalised texts as the clustering sees them (NFKC, lower case, whitespace collapsed, trimmed)."""
    result: pa.LargeStringArray = _normalise_slice(_as_large_strings(texts))
    return result


def signature_rows(texts: Texts, params: NearDupParams = NearDupParams()) -> tuple[U32, U32]:
    """MinHash signatures [n, bands * rows] and LSH band keys [bands, n] of already normalised texts."""
    masks, mults = _permutations(params)
    return _signature_block(_as_large_strings(texts), params, masks, mults)


def bucket_pairs(bucket: U64, node: I64) -> tuple[I64, I64]:
    """Candidate pairs (left < right) of LSH buckets given as rows (bucket key, node), by the rule of
    `_candidates`: all pairs in a bucket of up to ALL_PAIRS_MAX nodes, star and chain in a larger one. Every row
    of a bucket must be present (a bucket split between calls would lose pairs); keys of different bands must
    differ (fold the band into the key)."""
    order = np.lexsort((node, bucket))
    keys, nodes = bucket[order], node[order]
    n = len(keys)
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]])) if n else np.zeros(0, np.int64)
    lengths = np.diff(np.append(starts, n))
    shared = lengths > 1
    return _band_pairs(nodes, starts[shared], lengths[shared])


def verify_pairs(
    left_sig: U32, right_sig: U32, left_texts: Texts, right_texts: Texts, params: NearDupParams = NearDupParams()
) -> npt.NDArray[np.bool_]:
    """Whether each candidate pair (row i of the left and of the right side: signature and normalised text) is a
    near-duplicate: the sequential test on the signatures, the exact Jaccard for the pairs it leaves undecided."""
    m = len(left_sig)
    sig = np.ascontiguousarray(np.concatenate([left_sig, right_sig]))
    left = np.arange(m, dtype=np.int64)
    right = left + m
    accepted, unsure, _ = _screen(sig, left, right, params)
    ok = np.zeros(m, dtype=bool)
    ok[accepted] = True
    if len(unsure):
        texts = pa.concat_arrays([_as_large_strings(left_texts), _as_large_strings(right_texts)])
        lengths = pc.utf8_length(texts).to_numpy(zero_copy_only=False).astype(np.int64)
        exact = _exact_jaccards(texts, lengths, left[unsure], right[unsure], params)
        ok[unsure[_similar_enough(exact, params)]] = True
    return ok


def component_roots(left: I64, right: I64) -> tuple[I64, I64]:
    """(nodes, root): every node of the edges, sorted, and the smallest node of its connected component."""
    nodes, ends = np.unique(np.concatenate([left, right]), return_inverse=True)
    label = _join(np.arange(len(nodes), dtype=np.int64), ends[: len(left)], ends[len(left) :])
    root: I64 = nodes[label]
    return nodes, root


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
