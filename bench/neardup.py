"""Near-duplicate clustering: recall and precision against exact Jaccard, throughput and peak memory at 1M texts.

    .venv/bin/python bench/neardup.py                    # 1,000,000 synthetic texts, seed 5: the published figures
    .venv/bin/python bench/neardup.py --texts 100000     # a quick run while developing
    .venv/bin/python bench/neardup.py --sweep 200000     # also compare bands x rows settings on 200k texts

Two corpora:

1. synthetic (the throughput target): `--texts` texts of 20-120 characters, half Chinese, half English, drawn
   from the simulator's vocabulary with its frequencies; about 5% of them form planted near-duplicate groups
   (2 to 2,000 copies of a base text, each with 0-3 copy-paste edits: punctuation, an emoji, a swapped word or
   characters, a trailer, a deleted character; some verbatim).
2. simulated posts: the original posts' `text` of `floodwatch simulate --posts 1000000 --seed 11` (bench/common.py's
   cached folder, shared with the ingest benchmark) with URLs and mentions blanked, as the detector's events do
   before clustering; skipped with `--sim-posts 0`.

For each: `near_duplicate_clusters` runs in a fresh subprocess on the Arrow text column (wall time, peak RSS
growth during the call from /proc/self/status VmHWM after a reset); then a sample of 20,000 texts (synthetic:
whole planted groups, at most 200 members each, for half of it, random texts for the rest; simulated: uniform)
is checked against exact Jaccard:

- recall: all pairs of the sample with exact Jaccard >= threshold (found exactly with prefix filtering; texts
  shorter than min_chars excluded, as the clusterer gives them no cluster by design), share in one cluster;
- precision: pairs of the sample in one cluster (up to 300,000 drawn at random), share with exact Jaccard >=
  threshold - 0.1 (transitive chaining may join a pair that is not itself similar; that is what this counts).

Pairs are counted over texts, identical texts included (a pair of identical texts has Jaccard 1).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import resource
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
import pyarrow.parquet as pq

# Run as a script: its folder is on sys.path, so the shared helpers import as `common`.
from common import (
    ROOT,
    WORK,
    busy_cpu_seconds,
    log,
    print_table,
    simulated_data,
    size_label,
    wait_until_quiet,
    write_results,
)
from floodwatch.detect import neardup
from floodwatch.detect.neardup import NearDupParams
from floodwatch.ingest.normalize import MENTION, URL_PATTERN
from floodwatch.sim import texts as sim_texts

NAME = "neardup"
GOAL_SECONDS = 30.0  # for 1M texts on the 2-core machine
SCRATCH = WORK / "neardup"
PUNCT_ZH = "，。！？～、；：…"
PUNCT_EN = ".,!?;:-"
EMOJI = (*sim_texts.EMOJI, *sim_texts.WEIBO_EMOTICONS)


# --- the synthetic corpus --------------------------------------------------------------------------------------


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, tuple | list):
        return [s for v in value for s in _strings(v)]
    return []


def vocabulary() -> tuple[list[str], np.ndarray, list[str], np.ndarray]:
    """Chinese characters and English words of the simulator's texts, with their relative frequencies."""
    pool = [s for name in dir(sim_texts) if name.isupper() for s in _strings(getattr(sim_texts, name))]
    pool = [re.sub(r"\{[a-z_]+\}", " ", s) for s in pool]  # template slots are not words
    zh = Counter(ch for s in pool for ch in s if "\u4e00" <= ch <= "\u9fff")
    en = Counter(w.lower() for s in pool for w in re.findall(r"[A-Za-z']+", s) if len(w) > 1)
    zh_chars, zh_counts = zip(*sorted(zh.items()), strict=True)
    en_words, en_counts = zip(*sorted(en.items()), strict=True)
    zh_p = np.array(zh_counts, float) + 1.0
    en_p = np.array(en_counts, float) + 1.0
    return list(zh_chars), zh_p / zh_p.sum(), list(en_words), en_p / en_p.sum()


def _random_texts(rng: np.random.Generator, n: int, zh: bool, vocab: tuple[Any, ...]) -> list[str]:
    """n random texts of 20-120 characters (Chinese characters, or English words with spaces)."""
    zh_chars, zh_p, en_words, en_p = vocab
    lengths = rng.integers(20, 121, size=n)
    if zh:
        chars = np.array(zh_chars)[rng.choice(len(zh_chars), size=int(lengths.sum()), p=zh_p)]
        # a punctuation mark every ~12 characters, like real posts
        punct = rng.random(len(chars)) < 0.08
        chars[punct] = np.array(list(PUNCT_ZH))[rng.integers(0, len(PUNCT_ZH), size=int(punct.sum()))]
        flat = "".join(chars.tolist())
        ends = np.cumsum(lengths)
        return [flat[e - n_ : e] for e, n_ in zip(ends.tolist(), lengths.tolist(), strict=True)]
    words = np.array(en_words)[rng.choice(len(en_words), size=int(lengths.sum()) // 4 + 64, p=en_p)].tolist()
    out: list[str] = []
    at = 0
    for length in lengths.tolist():
        text = ""
        while len(text) < length:
            text += words[at % len(words)] + " "
            at += 1
        out.append(text[:length].strip())
    return out


def _edit(rng: np.random.Generator, text: str, zh: bool, vocab: tuple[Any, ...]) -> str:
    """One copy-paste edit: punctuation, emoji, swapped word / characters, trailer or a deleted character."""
    kind = int(rng.integers(0, 6))
    pos = int(rng.integers(0, len(text) + 1))
    if kind == 0:  # punctuation inserted or replaced
        mark = (PUNCT_ZH if zh else PUNCT_EN)[int(rng.integers(0, 7))]
        return text[:pos] + mark + text[pos:]
    if kind == 1:  # emoji
        return text[:pos] + EMOJI[int(rng.integers(0, len(EMOJI)))] + text[pos:]
    if kind == 2:  # a swapped word (English) or two swapped characters (Chinese)
        if zh:
            chars = vocab[0]
            at = min(pos, max(len(text) - 2, 0))
            new = chars[int(rng.integers(0, len(chars)))] + chars[int(rng.integers(0, len(chars)))]
            return text[:at] + new + text[at + 2 :]
        words = text.split(" ")
        words[int(rng.integers(0, len(words)))] = vocab[2][int(rng.integers(0, len(vocab[2])))]
        return " ".join(words)
    if kind == 3:  # a trailer
        trailers = sim_texts.TRAILERS_ZH if zh else sim_texts.TRAILERS_EN
        return text + trailers[int(rng.integers(0, len(trailers)))]
    if kind == 4 and len(text) > 1:  # a deleted character
        at = min(pos, len(text) - 1)
        return text[:at] + text[at + 1 :]
    return text.upper() if not zh and rng.random() < 0.5 else text + " "  # case / spacing: normalised away


def synthetic(n: int, seed: int) -> pa.Table:
    """The synthetic corpus: `text` and `group` (the planted group, -1 for a random text), rows shuffled."""
    rng = np.random.default_rng(seed)
    vocab = vocabulary()
    grouped_target = n // 20  # ~5% of the texts in planted groups
    sizes: list[int] = []
    while sum(sizes) < grouped_target:
        # mostly small groups, a long tail up to 2,000 copies (bucket capping)
        sizes.append(int(min(2000, max(2, round(rng.pareto(1.2) * 3 + 2)))))
    sizes[-1] -= sum(sizes) - grouped_target
    if sizes[-1] < 2:
        sizes.pop()
    grouped = sum(sizes)
    zh_flags = rng.random(n) < 0.5
    text: list[str] = [""] * n
    group = np.full(n, -1, np.int64)
    for zh in (True, False):
        where = np.flatnonzero(zh_flags[: n - grouped]) if zh else np.flatnonzero(~zh_flags[: n - grouped])
        for i, t in zip(where.tolist(), _random_texts(rng, len(where), zh, vocab), strict=True):
            text[i] = t
    at = n - grouped
    for g, size in enumerate(sizes):
        zh = bool(zh_flags[at])
        base = _random_texts(rng, 1, zh, vocab)[0]
        for _ in range(size):
            variant = base
            for _ in range(int(rng.choice(4, p=[0.2, 0.4, 0.3, 0.1]))):
                variant = _edit(rng, variant, zh, vocab)
            text[at] = variant
            group[at] = g
            at += 1
    order = rng.permutation(n)
    return pa.table({"text": pa.array([text[i] for i in order.tolist()], pa.string()), "group": group[order]})


def corpus_file(n: int, seed: int) -> Path:
    """bench/.work/neardup/synthetic-<size>-<seed>.parquet, generated once."""
    path = SCRATCH / f"synthetic-{size_label(n)}-{seed}.parquet"
    if not path.exists():
        SCRATCH.mkdir(parents=True, exist_ok=True)
        log(f"generating {n:,} synthetic texts (seed {seed})")
        started = time.perf_counter()
        pq.write_table(synthetic(n, seed), path)
        log(f"generated in {time.perf_counter() - started:.1f} s")
    return path


def sim_file(posts: int, seed: int) -> Path:
    """The simulated original posts' texts as the detector passes them: URLs and mentions blanked (as
    floodwatch.detect.events does before clustering), reposts left out; from bench/common.py's cached simulation."""
    path = SCRATCH / f"sim-{size_label(posts)}-{seed}.parquet"
    if not path.exists():
        folder = simulated_data(posts, seed, cnt_csv=True)  # the ingest benchmark's folder, reused as it is
        table = pa_json.read_json(folder / "posts.jsonl")
        table = table.filter(pc.is_null(table.column("repost_of")))
        text = pc.replace_substring_regex(pc.utf8_lower(table.column("text")), URL_PATTERN, " ")
        text = pc.replace_substring_regex(text, MENTION, " ")
        SCRATCH.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table({"text": text}), path)
    return path


# --- the timed run (a fresh subprocess) --------------------------------------------------------------------------


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def child(parquet: Path, params: dict[str, Any], out: Path) -> None:
    """Load the text column, reset the peak-RSS mark, cluster, report seconds and memory as JSON on stdout."""
    column = pq.read_table(parquet, columns=["text"]).column("text").combine_chunks()
    before = _status_kib("VmRSS")
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
        reset = True
    except OSError:
        reset = False
    started = time.perf_counter()
    cpu = time.process_time()
    clusters = neardup.near_duplicate_clusters(column, NearDupParams(**params))
    seconds = time.perf_counter() - started
    cpu_s = time.process_time() - cpu
    peak = _status_kib("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    np.save(out, clusters)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "seconds": round(seconds, 2),
                "cpu_s": round(cpu_s, 2),
                "rss_before_mb": round(before / 1024, 1),
                "peak_rss_mb": round(peak / 1024, 1),
                "peak_growth_mb": round((peak - before) / 1024, 1),
                "process_cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            }
        )
    )


def timed_run(parquet: Path, params: NearDupParams, label: str) -> tuple[dict[str, Any], np.ndarray]:
    """Cluster in a fresh subprocess; its figures, plus the CPU time other processes used meanwhile."""
    out = SCRATCH / f"clusters-{label}.npy"
    cmd = [sys.executable, __file__, "--child", str(parquet), "--params", json.dumps(asdict(params)), "--out", str(out)]
    busy_before = busy_cpu_seconds()
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    process_seconds = time.perf_counter() - started
    busy_after = busy_cpu_seconds()
    if done.returncode != 0:
        raise SystemExit(f"clustering failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if busy_before is not None and busy_after is not None:
        # contention: CPU time that other processes used while the child ran (start-up and loading included)
        other = busy_after - busy_before - figures["process_cpu_s"]
        figures["other_processes_cpu_s"] = round(max(0.0, other), 1)
        figures["process_seconds"] = round(process_seconds, 1)
    return figures, np.load(out)


# --- exact evaluation on a sample ------------------------------------------------------------------------------


def _shingle_sets(texts: list[str], k: int) -> list[frozenset[str]]:
    return [frozenset(t[i : i + k] for i in range(len(t) - k + 1)) for t in texts]


def _jaccard_of(sets: list[frozenset[str]], a: int, b: int) -> float:
    return len(sets[a] & sets[b]) / len(sets[a] | sets[b])


def exact_pairs(sets: list[frozenset[str]], threshold: float) -> dict[tuple[int, int], float]:
    """All pairs (i < j) of distinct sets with Jaccard >= threshold, exactly: prefix filtering + verification."""
    freq = Counter(s for x in sets for s in x)
    index: dict[str, list[int]] = defaultdict(list)
    found: dict[tuple[int, int], float] = {}
    for i in sorted(range(len(sets)), key=lambda i: len(sets[i])):  # shorter first: the length filter holds
        x = sets[i]
        ordered = sorted(x, key=lambda s: (freq[s], s))
        prefix = ordered[: len(x) - math.ceil(threshold * len(x) - 1e-9) + 1]
        seen: set[int] = set()
        for s in prefix:
            for j in index[s]:
                if j in seen or len(sets[j]) < threshold * len(x):
                    continue
                seen.add(j)
                y = sets[j]
                jac = len(x & y) / len(x | y)
                if jac >= threshold:
                    found[(min(i, j), max(i, j))] = jac
            index[s].append(i)
    return found


def evaluate(texts: list[str], clusters: np.ndarray, params: NearDupParams, seed: int) -> dict[str, Any]:
    """Recall (pairs with exact Jaccard >= threshold in one cluster) and precision (same-cluster pairs with exact
    Jaccard >= threshold - 0.1) on the sample, pairs counted over texts (identical texts included)."""
    norm = neardup.normalise(texts)
    keep = [i for i, t in enumerate(norm) if len(t) >= max(params.min_chars, params.shingle)]
    # identical normalised texts collapse to one node with a multiplicity
    node_of: dict[str, int] = {}
    members: list[list[int]] = []
    for i in keep:
        node = node_of.setdefault(norm[i], len(members))
        if node == len(members):
            members.append([])
        members[node].append(i)
    uniq = list(node_of)
    sets = _shingle_sets(uniq, params.shingle)
    count = np.array([len(m) for m in members], np.int64)
    # a node's cluster: its texts all share one (they are identical after normalisation)
    cl = np.array([clusters[m[0]] for m in members], np.int64)
    split = sum(len({int(clusters[i]) for i in m}) > 1 for m in members)
    true = exact_pairs(sets, params.threshold)
    bins = {"0.7-0.8": [0, 0], "0.8-0.9": [0, 0], "0.9-1.0": [0, 0]}
    total = found = 0
    for (a, b), jac in true.items():
        w = int(count[a] * count[b])
        hit = cl[a] >= 0 and cl[a] == cl[b]
        total += w
        found += w * hit
        key = "0.9-1.0" if jac >= 0.9 else "0.8-0.9" if jac >= 0.8 else "0.7-0.8"
        bins[key][0] += w
        bins[key][1] += w * hit
    identical = int((count * (count - 1) // 2).sum())
    identical_found = int((count * (count - 1) // 2)[cl >= 0].sum())
    total += identical
    found += identical_found
    # precision: same-cluster node pairs, sampled when there are too many
    rng = np.random.default_rng(seed)
    by_cluster: dict[int, list[int]] = defaultdict(list)
    for node, c in enumerate(cl.tolist()):
        if c >= 0:
            by_cluster[c].append(node)
    node_pairs: list[tuple[int, int]] = []
    weights: list[int] = []
    for nodes in by_cluster.values():
        for x in range(len(nodes)):
            for y in range(x + 1, len(nodes)):
                node_pairs.append((nodes[x], nodes[y]))
                weights.append(int(count[nodes[x]] * count[nodes[y]]))
    cap = 300_000
    weight = np.array(weights, np.float64)
    picked = np.arange(len(node_pairs))
    if len(node_pairs) > cap:
        picked = np.sort(rng.choice(len(node_pairs), size=cap, replace=False))
    jacs = np.array([_jaccard_of(sets, *node_pairs[p]) for p in picked.tolist()], np.float64)
    scale = weight.sum() / weight[picked].sum() if len(picked) else 0.0  # sampled pairs stand for all of them
    w = weight[picked]
    clustered_identical = identical_found
    same = float(w.sum() * scale) + clustered_identical
    near = float(w[jacs >= params.threshold - 0.1].sum() * scale) + clustered_identical
    at_threshold = float(w[jacs >= params.threshold].sum() * scale) + clustered_identical
    return {
        "sample_texts": len(texts),
        "sample_texts_long_enough": len(keep),
        "pairs_at_or_above_threshold": total,
        "of_which_identical": identical,
        "recall": round(found / total, 4) if total else None,
        "recall_by_jaccard": {k: (round(v[1] / v[0], 4) if v[0] else None) for k, v in bins.items()},
        "pairs_by_jaccard": {k: v[0] for k, v in bins.items()},
        "same_cluster_pairs": round(same),
        "same_cluster_pairs_checked": len(picked) + (1 if identical_found else 0),
        "precision_at_threshold_minus_0.1": round(near / same, 4) if same else None,
        "precision_at_threshold": round(at_threshold / same, 4) if same else None,
        "nodes_split_across_clusters": split,
    }


def synthetic_sample(groups: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Half: whole planted groups (at most 200 members each) in random order; the rest: random texts."""
    rng = np.random.default_rng(seed)
    chosen: list[int] = []
    by_group: dict[int, list[int]] = defaultdict(list)
    for i, g in enumerate(groups.tolist()):
        if g >= 0:
            by_group[g].append(i)
    for g in rng.permutation(len(by_group)).tolist():
        if len(chosen) >= size // 2:
            break
        chosen.extend(by_group[g][:200])
    rest = np.setdiff1d(np.arange(len(groups)), np.array(chosen, np.int64))
    chosen.extend(rng.choice(rest, size=max(size - len(chosen), 0), replace=False).tolist())
    return np.array(sorted(chosen), np.int64)


def cluster_stats(clusters: np.ndarray) -> dict[str, Any]:
    ids, sizes = np.unique(clusters[clusters >= 0], return_counts=True)
    return {
        "clustered_texts": int(sizes.sum()),
        "clustered_share": round(float(sizes.sum()) / len(clusters), 4) if len(clusters) else 0.0,
        "clusters": len(ids),
        "largest_cluster": int(sizes.max()) if len(sizes) else 0,
    }


def run_corpus(name: str, parquet: Path, params: NearDupParams, sample: int, seed: int) -> dict[str, Any]:
    table = pq.read_table(parquet)
    n = table.num_rows
    wait_until_quiet()
    log(f"{name}: clustering {n:,} texts")
    figures, clusters = timed_run(parquet, params, f"{name}-{size_label(n)}")
    log(f"{name}: {figures['seconds']} s, peak RSS {figures['peak_rss_mb']} MB")
    if "group" in table.column_names:
        picked = synthetic_sample(table.column("group").to_numpy(), min(sample, n), seed)
    else:
        picked = np.sort(np.random.default_rng(seed).choice(n, size=min(sample, n), replace=False))
    texts = [t or "" for t in table.column("text").take(pa.array(picked)).to_pylist()]
    log(f"{name}: exact Jaccard on a sample of {len(texts):,} texts")
    quality = evaluate(texts, clusters[picked], params, seed)
    return {
        "corpus": name,
        "texts": n,
        **figures,
        "texts_per_s": round(n / figures["seconds"]),
        **cluster_stats(clusters),
        **quality,
    }


def sweep(size: int, seed: int, sample: int) -> list[dict[str, Any]]:
    parquet = corpus_file(size, seed)
    rows = []
    for bands, rows_ in ((16, 3), (16, 4), (24, 4), (32, 4), (36, 5)):
        params = NearDupParams(bands=bands, rows=rows_)
        result = run_corpus(f"sweep-{bands}x{rows_}", parquet, params, sample, seed)
        rows.append({"bands": bands, "rows": rows_, **result})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=1_000_000, help="synthetic texts (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=5, help="synthetic corpus and sampling seed (default 5)")
    parser.add_argument("--sample", type=int, default=20_000, help="texts checked against exact Jaccard")
    parser.add_argument("--sim-posts", type=int, default=1_000_000, help="simulated posts (0: skip that corpus)")
    parser.add_argument("--sim-seed", type=int, default=11, help="simulation seed (default 11, as the ingest bench)")
    parser.add_argument("--sweep", type=int, default=0, help="also compare bands x rows on this many texts")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--params", default="{}", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, json.loads(args.params), args.out)
        return
    params = NearDupParams()
    runs = [run_corpus("synthetic", corpus_file(args.texts, args.seed), params, args.sample, args.seed)]
    if args.sim_posts:
        runs.append(run_corpus("simulated", sim_file(args.sim_posts, args.sim_seed), params, args.sample, args.seed))
    swept = sweep(args.sweep, args.seed, args.sample) if args.sweep else []
    payload = {
        "seed": args.seed,
        "sim_seed": args.sim_seed if args.sim_posts else None,
        "params": asdict(params),
        "versions": {
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "pyarrow": pa.__version__,
            "floodwatch": __import__("floodwatch").__version__,
        },
        "goal_seconds_at_1m": GOAL_SECONDS,
        "runs": runs,
        "sweep": swept,
    }
    path = write_results(NAME, payload)
    headers = ["corpus", "texts", "seconds", "texts/s", "peak MB", "clustered", "recall", "precision"]
    table = [
        [
            r["corpus"],
            r["texts"],
            r["seconds"],
            r["texts_per_s"],
            r["peak_rss_mb"],
            r["clustered_texts"],
            r["recall"],
            r["precision_at_threshold_minus_0.1"],
        ]
        for r in runs + swept
    ]
    print_table(headers, table)
    log(f"wrote {path}")
    main_run = runs[0]
    print(
        f"neardup: {main_run['texts']:,} texts in {main_run['seconds']:.1f} s ({main_run['texts_per_s']:,} texts/s), "
        f"peak RSS {main_run['peak_rss_mb']:,.0f} MB, recall {main_run['recall']:.3f}, "
        f"precision {main_run['precision_at_threshold_minus_0.1']:.3f} (bands={params.bands}, rows={params.rows})"
    )


if __name__ == "__main__":
    main()
