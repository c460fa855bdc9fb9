"""`floodwatch abuse ...`: score posts in a CSV for abusive language, or train a model on labelled posts."""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer
from rich.progress import Progress, TextColumn, TimeElapsedColumn

from floodwatch.commands.common import console, errors, fail
from floodwatch.detect.abuse import AbuseModel, TrainingSettings, train_abuse_model

abuse_app = typer.Typer(help="Score posts for abusive language (Chinese and English), or train a model.")

CHUNK = 5000  # rows scored at once while streaming the CSV
SHOWN_PROBLEMS = 10
LABELS = {"0": 0, "1": 1, "0.0": 0, "1.0": 1, "false": 0, "true": 1, "no": 0, "yes": 1}


@dataclass(frozen=True)
class Row:
    line: int  # where the record starts in the file (the header is line 1)
    fields: list[str]
    problem: str | None


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    reason: str


def read_rows(path: Path, columns: list[str]) -> tuple[list[str], Iterator[Row]]:
    """The header and the records of a UTF-8 CSV, each with its line number and, when a needed column is missing
    or empty, the reason it cannot be used. Fails cleanly (no traceback) on a missing file or column."""
    if not path.is_file():
        raise fail(f"no such file: {path}")
    csv.field_size_limit(sys.maxsize)
    handle = path.open(encoding="utf-8-sig", newline="")
    reader = csv.reader(handle)
    try:
        header = next(reader)
    except StopIteration:
        handle.close()
        raise fail(f"{path} is empty: expected a header row") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        handle.close()
        raise fail(f"cannot read {path}: {exc}") from None
    missing = [c for c in columns if c not in header]
    if missing:
        handle.close()
        raise fail(f"{path} has no column {', '.join(map(repr, missing))}; its columns: {', '.join(header)}")
    where = {c: header.index(c) for c in columns}

    def records() -> Iterator[Row]:
        start = reader.line_num + 1
        with handle:
            while True:
                try:
                    fields = next(reader)
                except StopIteration:
                    return
                except (UnicodeDecodeError, csv.Error) as exc:
                    raise fail(f"{path}, line {start}: cannot read on: {exc}") from None
                line, start = start, reader.line_num + 1
                if not fields:
                    continue  # a blank line is no record
                problem = None
                if len(fields) != len(header):
                    problem = f"{len(fields)} fields where the header has {len(header)}"
                for column, index in where.items():
                    if index >= len(fields) or not fields[index].strip():
                        problem = f"no {column}" + (f" ({problem})" if problem else "")
                        break
                yield Row(line, fields, problem)

    return header, records()


def report_problems(problems: list[Problem], what: str, rejects: Path | None) -> None:
    """Every row set aside is accounted for: the first few on screen, all of them in --rejects."""
    if not problems:
        return
    errors.print(f"[yellow]warning:[/] {len(problems):,} rows {what}:")
    for p in problems[:SHOWN_PROBLEMS]:
        errors.print(f"  {p.file}, line {p.line}: {p.reason}")
    if len(problems) > SHOWN_PROBLEMS:
        more = f"  … and {len(problems) - SHOWN_PROBLEMS:,} more"
        errors.print(more + (f" (all in {rejects})" if rejects else " (write them all with --rejects FILE)"))
    if rejects is not None:
        rejects.parent.mkdir(parents=True, exist_ok=True)
        with rejects.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["file", "line", "reason"])
            writer.writerows([p.file, p.line, p.reason] for p in problems)


def _progress() -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), TimeElapsedColumn(), console=errors, transient=True)


@abuse_app.command("train")
def train_command(
    csv_paths: Annotated[list[Path], typer.Argument(help="UTF-8 CSVs of labelled posts.", show_default=False)],
    text_col: Annotated[str, typer.Option("--text-col", help="Column with the post text.")] = "text",
    label_col: Annotated[str, typer.Option("--label-col", help="Column with 1 (abusive) or 0 (not).")] = "label",
    model: Annotated[Path, typer.Option("--model", help="Write the model to MODEL.npz + MODEL.json.")] = Path(
        "abuse-model"
    ),
    c: Annotated[
        float, typer.Option("--c", help="Inverse regularisation strength of the classifier.", min=1e-6)
    ] = TrainingSettings().c,
    rejects: Annotated[
        Optional[Path], typer.Option(help="Write every unusable row (line, reason) to this CSV.")
    ] = None,
) -> None:
    """Train an abusive-language model on labelled posts in one or more CSVs. The model learns from posts with
    Chinese characters; English is scored by the built-in lexicon.

    Example:

      floodwatch abuse train cold/train.csv cold/dev.csv --text-col TEXT --label-col label --model my-abuse
    """
    texts: list[str] = []
    labels: list[int] = []
    problems: list[Problem] = []
    for csv_path in csv_paths:
        header, rows = read_rows(csv_path, [text_col, label_col])
        text_at, label_at = header.index(text_col), header.index(label_col)
        for row in rows:
            label = None if row.problem else LABELS.get(row.fields[label_at].strip().lower())
            if label is not None:
                texts.append(row.fields[text_at])
                labels.append(label)
            else:
                reason = row.problem or f"label {row.fields[label_at][:20]!r} is not 0/1"
                problems.append(Problem(csv_path.name, row.line, reason))
    report_problems(problems, "not used for training", rejects)
    if not texts:
        raise fail("no usable rows to train on")
    started = time.perf_counter()
    with _progress() as progress:
        progress.add_task(f"training on {len(texts):,} posts", total=None)
        try:
            trained = train_abuse_model(
                texts,
                labels,
                training=TrainingSettings(c=c),
                metadata={
                    "training_data": {
                        "files": [p.name for p in csv_paths],
                        "rows": len(texts),
                        "set_aside": len(problems),
                    }
                },
            )
        except ValueError as exc:
            raise fail(str(exc)) from None
    npz, meta = trained.save(model)
    counts = np.bincount(np.asarray(labels), minlength=2)
    console.print(
        f"trained on {len(texts):,} posts ({counts[1]:,} abusive, {counts[0]:,} not) in "
        f"{time.perf_counter() - started:.1f} s; wrote {npz} and {meta}"
    )


@abuse_app.command("score")
def score_command(
    csv_path: Annotated[Path, typer.Argument(help="UTF-8 CSV of posts.", show_default=False)],
    text_col: Annotated[str, typer.Option("--text-col", help="Column with the post text.")] = "text",
    model: Annotated[
        Optional[Path], typer.Option("--model", help="MODEL.npz + MODEL.json \\[default: the shipped model].")
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output CSV: the input columns plus score, label.")] = Path(
        "scores.csv"
    ),
    threshold: Annotated[
        Optional[float], typer.Option(help="Label 1 from this score on \\[default: the model's].", min=0.0, max=1.0)
    ] = None,
    rejects: Annotated[
        Optional[Path], typer.Option(help="Write every unscored row (line, reason) to this CSV.")
    ] = None,
) -> None:
    """Score each post's probability of being abusive (insults, slurs, threats). Every input row is written out;
    rows without text get empty score and label and are reported with their line number.

    Example:

      floodwatch abuse score posts.csv --text-col text --out scores.csv
    """
    header, rows = read_rows(csv_path, [text_col])
    try:
        scorer = AbuseModel.load(model)
    except (OSError, ValueError, KeyError) as exc:
        raise fail(f"cannot load the abuse model: {exc}") from None
    text_at = header.index(text_col)
    # Do not overwrite input columns that happen to be called score or label (COLD has a label column).
    added = ["score", "label"]
    if set(added) & set(header):
        added = ["abuse_score", "abuse_label"]
        console.print(f"the input has columns named score or label: the output adds {', '.join(added)}")
    problems: list[Problem] = []
    scored = 0
    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as fh, _progress() as progress:
        writer = csv.writer(fh)
        writer.writerow([*header, *added])
        task = progress.add_task("scoring", total=None)
        chunk: list[Row] = []

        def flush() -> None:
            nonlocal scored
            good = [r for r in chunk if r.problem is None]
            scores = scorer.score([r.fields[text_at] for r in good])
            by_line = dict(zip((r.line for r in good), scores.tolist(), strict=True))
            cut = scorer.threshold if threshold is None else threshold
            for r in chunk:
                fields = (r.fields + [""] * len(header))[: len(header)]
                value = by_line.get(r.line)
                if value is None:
                    writer.writerow([*fields, "", ""])
                    problems.append(Problem(csv_path.name, r.line, r.problem or "not scored"))
                else:
                    writer.writerow([*fields, f"{value:.4f}", int(value >= cut)])
            scored += len(good)
            progress.update(task, description=f"scored {scored:,} posts")
            chunk.clear()

        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK:
                flush()
        flush()
    seconds = time.perf_counter() - started
    report_problems(problems, "not scored (written with empty score and label)", rejects)
    console.print(
        f"scored {scored:,} posts in {seconds:.1f} s ({scored / max(seconds, 1e-9):,.0f} posts/s); wrote {out}"
    )
