"""Ingest: files -> reader -> normaliser -> event store, one committed batch per chunk, counts that add up."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from floodwatch import duck
from floodwatch.ingest.base import POST_KIND, RawChunk, ReaderOptions, Rejected
from floodwatch.ingest.formats import AUTO, UnknownFormatError, reader_for
from floodwatch.ingest.normalize import normalize_chunks
from floodwatch.store.events import BatchInput, Counts, EventStore, SourceInfo

ProgressCallback = Callable[[Path, int, int], None]  # current file, bytes done, bytes total (all files)


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
        return self._total("posts")

    @property
    def accounts(self) -> Counts:
        return self._total("accounts")

    def _total(self, kind: str) -> Counts:
        total = Counts()
        for f in self.files:
            total.add(getattr(f, kind))
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


@dataclass
class _PendingBatch:
    """Chunks waiting to be committed together: small files share a batch, so per-batch costs stay low."""

    chunks: list[RawChunk] = field(default_factory=list)
    sources: list[SourceInfo] = field(default_factory=list)
    chunk_source: list[int] = field(default_factory=list)
    rows: int = 0

    def add(self, chunk: RawChunk, path: Path, digest: str, size: int, fmt: str) -> None:
        if not self.sources or self.sources[-1].path != str(path):
            self.sources.append(SourceInfo(str(path), digest, size, fmt))
        source = self.sources[-1]
        source.posts.read += _rows(chunk.posts) + sum(1 for r in chunk.rejects if r.kind == POST_KIND)
        source.accounts.read += _rows(chunk.accounts) + sum(1 for r in chunk.rejects if r.kind != POST_KIND)
        self.chunks.append(chunk)
        self.chunk_source.append(len(self.sources) - 1)
        self.rows += _rows(chunk.posts) + _rows(chunk.accounts) + len(chunk.rejects)


def ingest(
    store: EventStore,
    paths: list[Path],
    fmt: str = AUTO,
    options: ReaderOptions | None = None,
    progress: ProgressCallback | None = None,
) -> IngestReport:
    """Load every record of `paths` into `store` or its quarantine. Missing files raise FileNotFoundError.

    A batch holds up to `options.chunk_rows` records, from one file or from several small ones; each batch is
    committed atomically, so a killed ingest keeps whole batches only.
    """
    options = options or ReaderOptions()
    if fmt != AUTO:
        reader_for(Path(), fmt)  # an unknown format name is a usage error, before anything is read
    files = expand_inputs(paths)
    for f in files:
        if not f.is_file():
            raise FileNotFoundError(f"no such file: {f}")
    report = IngestReport()
    by_path: dict[str, FileReport] = {}
    total = sum(f.stat().st_size for f in files)
    done = 0
    con = duck.connect()
    with store.writer() as writer:
        pending = _PendingBatch()

        def flush() -> None:
            nonlocal pending
            if not pending.chunks:
                return
            normalized = normalize_chunks(con, pending.chunks)
            manifest = writer.commit(
                BatchInput(
                    pending.sources, pending.chunk_source, normalized.posts, normalized.accounts, normalized.rejects
                )
            )
            for source in manifest.sources:
                file_report = by_path[source.path]
                file_report.posts.add(source.posts)
                file_report.accounts.add(source.accounts)
                file_report.batches += 1
            pending = _PendingBatch()

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
            file_report = by_path[str(path)] = FileReport(path, name)
            report.files.append(file_report)
            file_done = 0
            for index, chunk in enumerate(chunks):
                if index == 0 and chunk.rejects and not _rows(chunk.posts) and not _rows(chunk.accounts):
                    file_report.message = chunk.rejects[0].reason
                pending.add(chunk, path, digest, size, name)
                if pending.rows >= options.chunk_rows:
                    flush()
                file_done = min(size, file_done + chunk.progress_bytes)
                if progress:
                    progress(path, done + file_done, total)
            done += size
            if progress:
                progress(path, done, total)
        flush()
    con.close()
    return report


def _rows(table: object) -> int:
    return int(getattr(table, "num_rows", 0) or 0)
