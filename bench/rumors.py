"""Rumor classifier: char TF-IDF baseline vs floodwatch's RumorModel on CED (Weibo) and PHEME (Twitter).

    .venv/bin/python bench/rumors.py            # the published figures (seed 13)
    .venv/bin/python bench/rumors.py --ship     # ... and train the shipped model on all of CED + PHEME

Both datasets go through floodwatch's own readers into an event store (cached in bench/.work/), so the model sees
the canonical posts and accounts the product sees, never dataset-specific fields (CED's final repost/comment
totals, Twitter's retweet_count: they would leak the future into early scores).

- Baseline: TfidfVectorizer(char 1-3-grams, sublinear tf, min_df 2) + LogisticRegression, source text only.
- floodwatch: detect/rumor_model.py (source text, response text, word neighbours, author, author-profile kind and
  propagation features, per-horizon logistic + boosted-tree meta models), trained inside each fold only.
- CED: stratified 5-fold CV (seed 13): accuracy and per-class F1, at horizons 1 h, 6 h, 24 h and all; split into
  items with and without a repost file, with the rumor share of each group (the leak check: if "has reposts"
  told the label, those shares would differ), and items whose author is unknown (CED's `"user": "empty"`).
- PHEME: leave-one-event-out over the 9 events (source tweets only: no propagation), pooled accuracy and
  macro-F1 over all held-out predictions, and per event; plus the 4 large balanced events on their own.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline

# Run as a script: its folder is on sys.path, so the shared helpers import as `common`.
from common import ROOT, WORK, announce, git_revision, log, print_table, write_results

sys.path.insert(0, str(ROOT / "src"))
from floodwatch.detect.rumor_model import (
    DEFAULT_MODEL,
    HORIZONS_H,
    INPUT_FEATURES,
    SourceInputs,
    extract_inputs,
    fit_rumor_model,
)
from floodwatch.ingest.pipeline import ingest
from floodwatch.store.events import EventStore

NAME = "rumors"
DATA = Path("/work/shared/data")
CED = DATA / "ced_weibo_rumor"
PHEME = DATA / "pheme_source_tweets"
LARGE_EVENTS = ("ferguson", "germanwings-crash", "ottawashooting", "sydneysiege")
POST_COLUMNS = (
    "platform, post_id, account_id, created_at, text, urls, hashtags, mentions, reply_to, repost_of, quote_of, lang"
)
CED_TERMS = "research use only, cite Song et al. 2019 (CED, arXiv 1811.04175); no license stated upstream"
PHEME_TERMS = "annotations CC-BY 4.0 (Kochkina, Liakata, Zubiaga); tweet content owned by Twitter"


def _store(name: str, inputs: list[Path]) -> EventStore:
    """The dataset ingested once into bench/.work/<name>-store (reused while its catalog exists)."""
    root = WORK / f"{name}-store"
    store = EventStore(root)
    if not store.manifests():
        log(f"ingesting {name} into {root}")
        started = time.perf_counter()
        report = ingest(store, inputs)
        seconds = time.perf_counter() - started
        log(f"  {report.posts.loaded:,} posts, {report.posts.quarantined:,} quarantined in {seconds:.0f} s")
    return store


def _tables(store: EventStore) -> tuple[pa.Table, pa.Table]:
    con = store.connect()
    posts = con.sql(f"SELECT {POST_COLUMNS}, source_file FROM posts").to_arrow_table()
    accounts = con.sql("SELECT * FROM accounts").to_arrow_table()
    con.close()
    return posts, accounts


def _metrics(y: npt.NDArray[np.int_], p: npt.NDArray[np.float64]) -> dict[str, Any]:
    pred = (p >= 0.5).astype(int)
    if len(y) == 0:
        return {"n": 0}
    f1 = f1_score(y, pred, labels=[1, 0], average=None, zero_division=0)
    return {
        "n": len(y),
        "accuracy": round(float(accuracy_score(y, pred)), 4),
        "f1_rumor": round(float(f1[0]), 4),
        "f1_non_rumor": round(float(f1[1]), 4),
        "macro_f1": round(float(f1.mean()), 4),
    }


def _cells(m: dict[str, Any]) -> list[str]:
    return [f"{m[k]:.3f}" for k in ("accuracy", "f1_rumor", "f1_non_rumor", "macro_f1")]


def _baseline() -> Any:
    return make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2),
        LogisticRegression(max_iter=2000),
    )


def _texts(inputs: SourceInputs, posts: pa.Table) -> list[str]:
    index = {pid: i for i, pid in enumerate(pc.cast(posts["post_id"], pa.string()).to_pylist())}
    texts = posts["text"].to_pylist()
    return [texts[index[pid]] or "" for pid in inputs.post_ids]


def ced(seed: int) -> tuple[dict[str, Any], dict[float | None, SourceInputs], npt.NDArray[np.int_]]:
    store = _store("ced", [CED / "original-microblog", CED / "rumor-repost", CED / "non-rumor-repost"])
    posts, accounts = _tables(store)
    rows = [line.split("\t") for line in (CED / "labels.tsv").read_text().splitlines()[1:] if line]
    mids = [r[0].split("_")[1] for r in rows]
    y = np.array([r[1] == "rumor" for r in rows], dtype=np.int64)
    has_reposts = np.array([r[2] == "1" for r in rows], dtype=bool)
    log(f"CED: {len(y):,} sources ({int(y.sum()):,} rumors), {posts.num_rows:,} posts; extracting inputs")
    started = time.perf_counter()
    inputs = extract_inputs(posts, accounts, HORIZONS_H, (["weibo"] * len(mids), mids))
    log(f"  inputs for {len(HORIZONS_H)} horizons in {time.perf_counter() - started:.0f} s")
    known_author = inputs[None].features[:, INPUT_FEATURES.index("account_known")] > 0
    texts = _texts(inputs[None], posts)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    base = np.zeros(len(y))
    ours = {h: np.zeros(len(y)) for h in HORIZONS_H}
    for k, (train, test) in enumerate(folds.split(np.zeros(len(y)), y), start=1):
        started = time.perf_counter()
        model = _baseline().fit([texts[i] for i in train], y[train])
        base[test] = model.predict_proba([texts[i] for i in test])[:, 1]
        fitted = fit_rumor_model({h: inp.take(train) for h, inp in inputs.items()}, y[train], seed)
        for h in HORIZONS_H:
            ours[h][test] = fitted.predict(inputs[h].take(test), h)
        accuracy = _metrics(y[test], ours[None][test])["accuracy"]
        log(f"  fold {k}/5 in {time.perf_counter() - started:.0f} s: accuracy {accuracy}")

    def groups(p: npt.NDArray[np.float64]) -> dict[str, Any]:
        return {
            "all": _metrics(y, p),
            "with_reposts": _metrics(y[has_reposts], p[has_reposts]),
            "without_reposts": _metrics(y[~has_reposts], p[~has_reposts]),
            "author_unknown": _metrics(y[~known_author], p[~known_author]),
            "author_known": _metrics(y[known_author], p[known_author]),
        }

    result = {
        "sources": len(y),
        "rumors": int(y.sum()),
        "posts": posts.num_rows,
        "cv": f"stratified 5-fold, shuffle, random_state={seed}",
        "leak_check": {
            "rumor_share_with_reposts": round(float(y[has_reposts].mean()), 4),
            "rumor_share_without_reposts": round(float(y[~has_reposts].mean()), 4),
            "author_unknown": {"n": int((~known_author).sum()), "rumors": int(y[~known_author].sum())},
        },
        "baseline": groups(base),
        "floodwatch": {("all" if h is None else f"{h:g}h"): groups(ours[h]) for h in HORIZONS_H},
    }
    return result, inputs, y


def pheme(seed: int) -> tuple[dict[str, Any], SourceInputs, npt.NDArray[np.int_]]:
    store = _store("pheme", sorted(PHEME.glob("*.json")))
    posts, accounts = _tables(store)
    names = [Path(s).name for s in posts["source_file"].to_pylist()]
    y = np.array([".rumours." in n for n in names], dtype=np.int64)
    events = np.array([n.split("-all-rnr-threads")[0] for n in names])
    ids = pc.cast(posts["post_id"], pa.string()).to_pylist()
    platforms = pc.cast(posts["platform"], pa.string()).to_pylist()
    log(f"PHEME: {len(y):,} source tweets ({int(y.sum()):,} rumors) in {len(set(events))} events")
    inputs = extract_inputs(posts, accounts, [None], (platforms, ids))[None]
    texts = [t or "" for t in posts["text"].to_pylist()]

    def loeo(keep: npt.NDArray[np.bool_]) -> dict[str, Any]:
        base, ours = np.zeros(len(y)), np.zeros(len(y))
        per_event: dict[str, Any] = {}
        for event in sorted(set(events[keep].tolist())):
            test = np.nonzero(keep & (events == event))[0]
            train = np.nonzero(keep & (events != event))[0]
            model = _baseline().fit([texts[i] for i in train], y[train])
            base[test] = model.predict_proba([texts[i] for i in test])[:, 1]
            fitted = fit_rumor_model({None: inputs.take(train)}, y[train], seed)
            ours[test] = fitted.predict(inputs.take(test), None)
            got = {"baseline": _metrics(y[test], base[test]), "floodwatch": _metrics(y[test], ours[test])}
            per_event[event] = got
            log(f"  {event}: baseline {got['baseline']['accuracy']}, floodwatch {got['floodwatch']['accuracy']}")
        idx = np.nonzero(keep)[0]
        return {
            "baseline": _metrics(y[idx], base[idx]),
            "floodwatch": _metrics(y[idx], ours[idx]),
            "per_event": per_event,
        }

    result = {
        "sources": len(y),
        "rumors": int(y.sum()),
        "note": "charliehebdo non-rumours missing from the snapshot; ebola-essien has no non-rumours; no replies",
        "all_events": loeo(np.ones(len(y), dtype=bool)),
        "large_events": loeo(np.isin(events, LARGE_EVENTS)),
    }
    return result, inputs, y


def _concat(a: SourceInputs, b: SourceInputs) -> SourceInputs:
    return SourceInputs(
        a.platforms + b.platforms,
        a.post_ids + b.post_ids,
        a.source_docs + b.source_docs,
        a.response_docs + b.response_docs,
        np.vstack([a.features, b.features]),
    )


def ship(
    ced_inputs: dict[float | None, SourceInputs],
    ced_y: Any,
    ph: SourceInputs,
    ph_y: Any,
    seed: int,
    figures: dict[str, Any],
) -> list[Path]:
    """The default model: trained on all of CED and PHEME (PHEME, having no responses, joins every horizon)."""
    inputs = {h: _concat(inp, ph) for h, inp in ced_inputs.items()}
    y = np.concatenate([ced_y, ph_y])
    metadata = {
        "trained_on": [
            {"dataset": "CED (Weibo)", "path": "ced_weibo_rumor", "sources": len(ced_y), "terms": CED_TERMS},
            {
                "dataset": "PHEME source tweets",
                "path": "pheme_source_tweets",
                "sources": len(ph_y),
                "terms": PHEME_TERMS,
            },
        ],
        "seed": seed,
        "measured": figures,
        "floodwatch_git": git_revision(),
    }
    model = fit_rumor_model(inputs, y, seed, metadata)
    return list(model.save(DEFAULT_MODEL))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=13, help="CV and model seed (default 13)")
    parser.add_argument("--ship", action="store_true", help="also train the shipped model on all the data")
    args = parser.parse_args()
    started = time.perf_counter()
    ced_result, ced_inputs, ced_y = ced(args.seed)
    pheme_result, ph_inputs, ph_y = pheme(args.seed)

    rows: list[list[object]] = []
    b = ced_result["baseline"]["all"]
    rows.append(["CED 5-fold", "baseline (text)", *_cells(b)])
    for h, groups in ced_result["floodwatch"].items():
        m = groups["all"]
        rows.append([f"CED 5-fold @{h}", "floodwatch", *_cells(m)])
    for split in ("all_events", "large_events"):
        for tool in ("baseline", "floodwatch"):
            m = pheme_result[split][tool]
            rows.append([f"PHEME LOEO {split}", tool, *_cells(m)])
    print_table(["evaluation", "model", "accuracy", "F1 rumor", "F1 non-rumor", "macro-F1"], rows, left=2)

    figures = {
        "ced_accuracy": {k: v["all"]["accuracy"] for k, v in ced_result["floodwatch"].items()},
        "ced_baseline_accuracy": b["accuracy"],
        "pheme_loeo_macro_f1": pheme_result["all_events"]["floodwatch"]["macro_f1"],
        "pheme_loeo_accuracy": pheme_result["all_events"]["floodwatch"]["accuracy"],
    }
    payload: dict[str, Any] = {
        "seed": args.seed,
        "floodwatch_git": git_revision(),
        "versions": {p: md.version(p) for p in ("scikit-learn", "numpy", "jieba", "pyarrow")},
        "ced": ced_result,
        "pheme": pheme_result,
        "seconds": round(time.perf_counter() - started, 1),
    }
    if args.ship:
        written = ship(ced_inputs, ced_y, ph_inputs, ph_y, args.seed, figures)
        payload["shipped_model"] = {str(p.relative_to(ROOT)): p.stat().st_size for p in written}
        log("shipped " + ", ".join(f"{p.name} ({p.stat().st_size / 1e6:.2f} MB)" for p in written))
    path = write_results(NAME, payload)
    acc = figures["ced_accuracy"]
    announce(
        path,
        f"rumors: CED accuracy baseline {b['accuracy']:.3f} vs floodwatch {acc['all']:.3f} "
        f"(1h {acc['1h']:.3f}, 6h {acc['6h']:.3f}, 24h {acc['24h']:.3f}); PHEME LOEO macro-F1 baseline "
        f"{pheme_result['all_events']['baseline']['macro_f1']:.3f} vs floodwatch {figures['pheme_loeo_macro_f1']:.3f}",
    )


if __name__ == "__main__":
    main()
