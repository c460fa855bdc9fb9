"""Ingest: files -> reader -> normaliser -> event store, one committed batch per chunk, counts that add up."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from floodwatch import duck
from floodwatch.ingest.base import POST_KIND, RawChunk, ReaderOptions, Rejected
from floodwatch.ingest.formats import AUTO, UnknownFormatError, reader_for
from floodwatch.ingest.normalize import normalize_chunk
from floodwatch.store.events import Counts, EventStore, SourceInfo

ProgressCallback = Callable[[Path, int, int], None]  # file, bytes done, bytes total


@dataclass
class FileReport:
    path: Path
    format: str
    posts: Counts = field(default_factory=Counts)
    accounts: Counts = field(default_factory=Counts)
    batches: int = 0
    message: str | None = None  # why the whole file could not be read, if it could not


@dataclass
class IngestReport:
    files: list[FileReport] = field(default_factory=list)

    @property
    def posts(self) -> Counts:
        total = Counts()
        for f in self.files:
            total.add(f.posts)
        return total

    @property
    def accounts(self) -> Counts:
        total = Counts()
        for f in self.files:
            total.add(f.accounts)
        return total


def expand_inputs(paths: list[Path]) -> list[Path]:
    """Files as given; a folder stands for every file below it, in name order, hidden files skipped."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(
                sorted(
                    f
                    for f in p.rglob("*")
                    if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts)
                )
            )
        else:
            out.append(p)
    return out


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def ingest(
    store: EventStore,
    paths: list[Path],
    fmt: str = AUTO,
    options: ReaderOptions | None = None,
    progress: ProgressCallback | None = None,
) -> IngestReport:
    """Load every record of `paths` into `store` or its quarantine. Missing files raise FileNotFoundError."""
    options = options or ReaderOptions()
    files = expand_inputs(paths)
    for f in files:
        if not f.is_file():
            raise FileNotFoundError(f"no such file: {f}")
    report = IngestReport()
    con = duck.connect()
    with store.writer() as writer:
        for path in files:
            size = path.stat().st_size
            digest = sha256_of(path)
            try:
                reader = reader_for(path, fmt)
                chunks = reader.read(path, options)
                name = reader.name
            except UnknownFormatError as exc:
                chunks = iter([RawChunk(str(path), rejects=[Rejected(str(path), 0, str(exc), "")])])
                name = "unknown"
            file_report = FileReport(path, name)
            done = 0
            for index, chunk in enumerate(chunks):
                normalized = normalize_chunk(con, chunk)
                manifest = writer.commit(
                    SourceInfo(str(path), digest, size, name, index),
                    normalized.posts,
                    normalized.accounts,
                    normalized.rejects,
                    posts_read=_rows(chunk.posts) + sum(1 for r in chunk.rejects if r.kind == POST_KIND),
                    accounts_read=_rows(chunk.accounts) + sum(1 for r in chunk.rejects if r.kind != POST_KIND),
                )
                file_report.posts.add(manifest.posts)
                file_report.accounts.add(manifest.accounts)
                file_report.batches += 1
                if chunk.rejects and not chunk.posts and not chunk.accounts and index == 0:
                    file_report.message = chunk.rejects[0].reason
                done = min(size, done + chunk.progress_bytes)
                if progress:
                    progress(path, done, size)
            if progress:
                progress(path, size, size)
            report.files.append(file_report)
    con.close()
    return report


def _rows(table: object) -> int:
    return int(getattr(table, "num_rows", 0) or 0)
