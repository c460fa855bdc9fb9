"""`floodwatch rumors train|score`: the rumor classifier of detect/rumor_model.py on files or an event store."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import typer
from rich.table import Table

from floodwatch.commands.common import console, fail, parse_duration, run_ingest
from floodwatch.detect.rumor_model import (
    DEFAULT_MODEL,
    HORIZONS_H,
    ModelFileError,
    RumorModel,
    train_rumor_model,
)
from floodwatch.ingest.base import ReaderOptions
from floodwatch.ingest.formats import AUTO
from floodwatch.store.events import EventStore

rumors_app = typer.Typer(
    help="Score source posts as likely rumors, or train the model that does.", no_args_is_help=True
)

POST_COLUMNS = "platform, post_id, account_id, created_at, text, reply_to, repost_of, quote_of"
RUMOR_WORDS = {"rumor", "rumour", "1", "true", "yes", "fake", "false-rumor"}
NON_RUMOR_WORDS = {"non-rumor", "non-rumour", "nonrumor", "0", "false", "no", "real"}
SHOWN = 10

PostsArgument = Annotated[
    list[Path],
    typer.Argument(help="Post files (any format floodwatch ingests), folders of them, or an event store folder."),
]
FormatOption = Annotated[str, typer.Option("--format", "-f", help="Input format (see floodwatch ingest --help).")]
PlatformOption = Annotated[Optional[str], typer.Option(help="Platform for records that name none.")]


@contextmanager
def _tables(inputs: list[Path], fmt: str, platform: str | None) -> Iterator[tuple[pa.Table, pa.Table]]:
    """Canonical posts and accounts: read from an event store folder as is, else ingested into a scratch store."""
    if len(inputs) == 1 and (inputs[0] / "catalog").is_dir():
        yield _read_store(EventStore(inputs[0]))
        return
    with tempfile.TemporaryDirectory(prefix="floodwatch-rumors-") as scratch:
        report = run_ingest(Path(scratch), inputs, fmt, ReaderOptions(platform=platform))
        p = report.posts
        console.print(f"read {p.loaded:,} posts ({p.duplicate:,} repeated, {p.quarantined:,} unusable)")
        yield _read_store(EventStore(Path(scratch)))


def _read_store(store: EventStore) -> tuple[pa.Table, pa.Table]:
    con = store.connect()
    try:
        posts = con.sql(f"SELECT {POST_COLUMNS} FROM posts").to_arrow_table()
        accounts = con.sql("SELECT * FROM accounts").to_arrow_table()
    finally:
        con.close()
    return posts, accounts


def read_labels(path: Path) -> pa.Table:
    """platform, post_id, label (1 rumor / 0 not) from a CSV; words such as rumor/non-rumor or 1/0 are accepted."""
    try:
        table = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in ("platform", "post_id", "label")}
            ),
        )
    except (OSError, pa.ArrowInvalid) as exc:
        raise fail(f"cannot read labels {path}: {exc}") from None
    missing = {"platform", "post_id", "label"} - set(table.column_names)
    if missing:
        raise fail(
            f"{path}: the labels CSV needs columns platform,post_id,label (missing {', '.join(sorted(missing))})"
        )
    values: list[int] = []
    for i, raw in enumerate(table["label"].to_pylist(), start=2):
        word = (raw or "").strip().lower()
        if word in RUMOR_WORDS:
            values.append(1)
        elif word in NON_RUMOR_WORDS:
            values.append(0)
        else:
            raise fail(
                f"{path} line {i}: label {raw!r} is neither rumor (rumor, 1, true) nor non-rumor (non-rumor, 0, false)"
            )
    return pa.table({"platform": table["platform"], "post_id": table["post_id"], "label": pa.array(values, pa.int64())})


def _horizons(value: str) -> list[float | None]:
    out: list[float | None] = []
    for part in value.split(","):
        part = part.strip().lower()
        if part:
            out.append(None if part == "all" else parse_duration(part) / 3600.0)
    if not out:
        raise fail("--horizons needs at least one of e.g. 1h,6h,24h,all")
    return out


@rumors_app.command("train")
def train_command(
    posts: PostsArgument,
    labels: Annotated[
        Path, typer.Option("--labels", "-l", help="CSV with platform,post_id,label.", exists=True, dir_okay=False)
    ],
    model: Annotated[Path, typer.Option("--model", "-m", help="Output: MODEL.npz and MODEL.json.")],
    horizons: Annotated[str, typer.Option(help="Horizons to train meta models for.")] = ",".join(
        "all" if h is None else f"{h:g}h" for h in HORIZONS_H
    ),
    seed: Annotated[int, typer.Option(help="Seed of the cross-fitting and the solvers.")] = 13,
    fmt: FormatOption = AUTO,
    platform: PlatformOption = None,
) -> None:
    """Train a rumor model on labelled source posts and their reposts/replies.

    Examples:

      floodwatch rumors train ced_weibo_rumor/ --labels labels.csv --model my-rumor

      floodwatch rumors train floodwatch-data --labels labels.csv --model my-rumor --horizons 1h,all
    """
    table = read_labels(labels)
    chosen = _horizons(horizons)
    started = time.monotonic()
    with _tables(posts, fmt, platform) as (post_table, accounts):
        metadata = {
            "trained_on": [{"inputs": [str(p) for p in posts], "labels": str(labels), "sources": table.num_rows}],
            "seed": seed,
        }
        with console.status("training the rumor model…"):
            try:
                trained = train_rumor_model(post_table, table, accounts, chosen, seed, metadata)
            except (KeyError, ValueError) as exc:
                raise fail(str(exc).strip("'\"")) from None
    rumors = int(pc.sum(table["label"]).as_py() or 0)
    written = trained.save(model)
    console.print(
        f"trained on {table.num_rows:,} sources ({rumors:,} rumors) in {time.monotonic() - started:.1f} s; "
        f"wrote {', '.join(f'{p} ({p.stat().st_size / 1e6:.2f} MB)' for p in written)}"
    )


@rumors_app.command("score")
def score_command(
    posts: PostsArgument,
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV of platform,post_id,score,label.")] = Path("scores.csv"),
    model: Annotated[
        Optional[Path],
        typer.Option("--model", "-m", help=f"Model stem or .npz \\[default: shipped {DEFAULT_MODEL.name}]."),
    ] = None,
    horizon: Annotated[
        Optional[str], typer.Option(help="Use only what was visible this long after each source (1h, 6h, 24h).")
    ] = None,
    fmt: FormatOption = AUTO,
    platform: PlatformOption = None,
) -> None:
    """Score every source post (one that is neither a repost nor a reply of a post given) as a likely rumor.

    Examples:

      floodwatch rumors score posts.jsonl --out scores.csv

      floodwatch rumors score weibo-dump/ --horizon 1h --model my-rumor --out early.csv
    """
    try:
        loaded = RumorModel.load(model)
    except ModelFileError as exc:
        raise fail(str(exc)) from None
    horizon_h = parse_duration(horizon) / 3600.0 if horizon else None
    with _tables(posts, fmt, platform) as (post_table, accounts), console.status("scoring…"):
        scores = loaded.score(post_table, accounts, horizon_h)
    out.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(scores, out)
    flagged = int(pc.sum(pc.equal(scores["label"], "rumor")).as_py() or 0)
    top = scores.sort_by([("score", "descending")]).slice(0, SHOWN)
    table = Table(title=f"Most likely rumors (of {scores.num_rows:,} source posts)")
    for column in ("platform", "post_id", "score"):
        table.add_column(column, justify="right" if column == "score" else "left")
    for row in top.to_pylist():
        table.add_row(row["platform"], row["post_id"], f"{row['score']:.3f}")
    console.print(table)
    window = f"within {horizon} of each post" if horizon else "in everything given"
    console.print(f"{flagged:,} of {scores.num_rows:,} source posts scored as rumors ({window}); wrote {out}")
