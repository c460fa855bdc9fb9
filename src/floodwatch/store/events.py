"""The event store: Parquet files under a data directory, one commit point per batch, queried with DuckDB.

Layout under the data directory:

    posts/platform=<p>/day=<YYYY-MM-DD>/<batch>_<uuid>.parquet
    accounts/platform=<p>/<batch>_<uuid>.parquet
    quarantine/<batch>.jsonl          records that were read but not loaded, with file, line and reason
    catalog/<batch>.json              the batch manifest: the commit point

A batch is visible only once its manifest exists. The manifest is written last, to a temporary name, fsynced and
renamed, so a writer killed at any moment leaves either the whole batch or none of it: data files that no
manifest names are leftovers of a killed batch, invisible to readers and removed by the next writer.
Only one writer at a time (an exclusive lock on `.lock`); readers never block.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from floodwatch import duck
from floodwatch.duck import scalar
from floodwatch.ingest.base import POST_KIND, Rejected
from floodwatch.schema import STORED_ACCOUNT_SCHEMA, STORED_POST_SCHEMA

DATA_DIR_ENV = "FLOODWATCH_DATA_DIR"
DEFAULT_DATA_DIR = Path("floodwatch-data")
MANIFEST_VERSION = 1


def resolve_data_dir(explicit: Path | None = None) -> Path:
    """`--data-dir`, else $FLOODWATCH_DATA_DIR, else ./floodwatch-data."""
    if explicit is not None:
        return explicit
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env) if env else DEFAULT_DATA_DIR


@dataclass
class Counts:
    """Per record kind: read = loaded + duplicate + quarantined, always."""

    read: int = 0
    loaded: int = 0
    duplicate: int = 0
    quarantined: int = 0

    def add(self, other: Counts) -> None:
        self.read += other.read
        self.loaded += other.loaded
        self.duplicate += other.duplicate
        self.quarantined += other.quarantined

    @property
    def balanced(self) -> bool:
        return self.read == self.loaded + self.duplicate + self.quarantined


@dataclass
class SourceInfo:
    """One input file's part in a batch: the file and what became of its records."""

    path: str
    sha256: str
    size: int
    format: str
    posts: Counts = field(default_factory=Counts)
    accounts: Counts = field(default_factory=Counts)

    @staticmethod
    def from_json(data: dict[str, Any]) -> SourceInfo:
        return SourceInfo(
            data["path"],
            data["sha256"],
            data["size"],
            data["format"],
            Counts(**data["posts"]),
            Counts(**data["accounts"]),
        )


@dataclass
class BatchInput:
    """What the ingest pipeline hands the writer: normalised records of one or more chunks of one or more files.

    Each record carries `_chunk`, its chunk's index; `chunk_source[i]` is the index in `sources` of chunk i's file.
    The caller sets each source's `read` counts; the writer fills in the rest.
    """

    sources: list[SourceInfo]
    chunk_source: list[int]
    posts: pa.Table | None
    accounts: pa.Table | None
    rejects: list[Rejected]


@dataclass
class BatchManifest:
    batch_id: str
    committed_at: float
    sources: list[SourceInfo]
    posts: Counts
    accounts: Counts
    post_files: list[str] = field(default_factory=list)
    account_files: list[str] = field(default_factory=list)
    quarantine_file: str | None = None
    version: int = MANIFEST_VERSION

    @staticmethod
    def from_json(data: dict[str, Any]) -> BatchManifest:
        return BatchManifest(
            batch_id=data["batch_id"],
            committed_at=data["committed_at"],
            sources=[SourceInfo.from_json(x) for x in data["sources"]],
            posts=Counts(**data["posts"]),
            accounts=Counts(**data["accounts"]),
            post_files=list(data["post_files"]),
            account_files=list(data["account_files"]),
            quarantine_file=data.get("quarantine_file"),
            version=data.get("version", MANIFEST_VERSION),
        )


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, payload: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(payload)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_file(path.parent)


def sql_list(paths: list[Path]) -> str:
    """A DuckDB list literal of file paths, quoted."""
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def _parquet_view(con: duckdb.DuckDBPyConnection, name: str, files: list[Path], schema: pa.Schema) -> None:
    """A view of the committed files, with exactly `schema`'s columns; typed but empty when there are none."""
    if files:
        columns = ", ".join(f'"{n}"' for n in schema.names)
        con.execute(
            f"CREATE OR REPLACE VIEW {name} AS SELECT {columns} "
            f"FROM read_parquet({sql_list(files)}, hive_partitioning = false)"
        )
    else:
        con.register(f"_empty_{name}", schema.empty_table())
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM _empty_{name}")


class EventStore:
    """Read side of the store, and the factory of its single writer."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.posts_dir = root / "posts"
        self.accounts_dir = root / "accounts"
        self.catalog_dir = root / "catalog"
        self.quarantine_dir = root / "quarantine"

    def manifests(self) -> list[BatchManifest]:
        """Committed batches, oldest first (batch ids sort by time)."""
        if not self.catalog_dir.is_dir():
            return []
        return [BatchManifest.from_json(orjson.loads(p.read_bytes())) for p in sorted(self.catalog_dir.glob("*.json"))]

    def _files(self, attr: str) -> list[Path]:
        return [self.root / rel for m in self.manifests() for rel in getattr(m, attr)]

    def post_files(self) -> list[Path]:
        return self._files("post_files")

    def account_files(self) -> list[Path]:
        return self._files("account_files")

    def connect(self, con: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection with views `posts`, `accounts` (latest snapshot per account) and `quarantine`."""
        con = con or duck.connect()
        self._define_views(con)
        return con

    def _define_views(self, con: duckdb.DuckDBPyConnection) -> None:
        manifests = self.manifests()
        post_files = [self.root / rel for m in manifests for rel in m.post_files]
        account_files = [self.root / rel for m in manifests for rel in m.account_files]
        _parquet_view(con, "posts", post_files, STORED_POST_SCHEMA)
        _parquet_view(con, "account_snapshots", account_files, STORED_ACCOUNT_SCHEMA)
        # The newest snapshot of an account wins: batch ids sort by commit time, lines by file order.
        con.execute(
            "CREATE OR REPLACE VIEW accounts AS SELECT * EXCLUDE (rn) FROM ("
            " SELECT *, row_number() OVER (PARTITION BY platform, account_id"
            " ORDER BY batch_id DESC, source_line DESC) AS rn FROM account_snapshots) WHERE rn = 1"
        )
        quarantine_files = [self.root / m.quarantine_file for m in manifests if m.quarantine_file]
        if quarantine_files:
            con.execute(
                "CREATE OR REPLACE VIEW quarantine AS SELECT * FROM read_json("
                f"{sql_list(quarantine_files)}, format = 'newline_delimited', columns = {{"
                "batch_id: 'VARCHAR', source: 'VARCHAR', line: 'BIGINT', kind: 'VARCHAR', "
                "reason: 'VARCHAR', raw: 'VARCHAR'})"
            )
        else:
            con.execute(
                "CREATE OR REPLACE VIEW quarantine AS SELECT NULL::VARCHAR AS batch_id, NULL::VARCHAR AS source, "
                "NULL::BIGINT AS line, NULL::VARCHAR AS kind, NULL::VARCHAR AS reason, NULL::VARCHAR AS raw "
                "WHERE false"
            )

    @contextmanager
    def writer(self) -> Iterator[StoreWriter]:
        """The single writer: takes the lock, clears leftovers of killed batches, loads the known keys."""
        self.root.mkdir(parents=True, exist_ok=True)
        for d in (self.posts_dir, self.accounts_dir, self.catalog_dir, self.quarantine_dir):
            d.mkdir(exist_ok=True)
        with open(self.root / ".lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise StoreBusyError(f"another floodwatch process is writing to {self.root}") from exc
            self._remove_uncommitted()
            con = self.connect()
            try:
                yield StoreWriter(self, con)
            finally:
                con.close()

    def _remove_uncommitted(self) -> None:
        committed: set[Path] = set()
        for m in self.manifests():
            committed.update(self.root / rel for rel in m.post_files + m.account_files)
            if m.quarantine_file:
                committed.add(self.root / m.quarantine_file)
        for folder in (self.posts_dir, self.accounts_dir, self.quarantine_dir):
            for path in folder.rglob("*"):
                if path.is_file() and path not in committed:
                    path.unlink()
        for tmp in self.catalog_dir.glob(".*.tmp"):
            tmp.unlink()


def _reject_key(source: str, line: int, reason: str, raw: str) -> str:
    return hashlib.md5(f"{source}\x1f{line}\x1f{reason}\x1f{raw}".encode(), usedforsecurity=False).hexdigest()


class StoreBusyError(RuntimeError):
    pass


def new_batch_id() -> str:
    # Sortable by time; the random tail keeps two batches of the same nanosecond apart.
    return f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"


_CLASSIFY_POSTS = """
CREATE OR REPLACE TEMP TABLE incoming AS
WITH hashed AS (
  SELECT *, (?::VARCHAR[])[_chunk + 1] AS source_file,
    md5(concat_ws(chr(31), account_id, strftime(created_at, '%Y-%m-%dT%H:%M:%S.%f'),
      coalesce(text, ''), coalesce(reply_to, ''), coalesce(repost_of, ''), coalesce(quote_of, ''),
      coalesce(array_to_string(urls_original, ' '), ''))) AS content_hash
  FROM new_posts
), repeated_ids AS (
  -- ids that occur more than once in this batch (rare): only their rows are ranked below
  SELECT platform, post_id FROM new_posts GROUP BY platform, post_id HAVING count(*) > 1
), repeated AS (
  -- the first occurrence of a repeated id is the reference
  SELECT platform, post_id,
    min((_chunk, source_line)) AS first_pos,
    arg_min(content_hash, (_chunk, source_line)) AS first_hash,
    arg_min(source_line, (_chunk, source_line)) AS first_line,
    arg_min(source_file, (_chunk, source_line)) AS first_file
  FROM hashed SEMI JOIN repeated_ids USING (platform, post_id) GROUP BY platform, post_id
)
SELECT h.*, r.first_line, r.first_file,
  CASE
    WHEN k.content_hash IS NOT NULL AND k.content_hash = h.content_hash THEN 'duplicate'
    WHEN k.content_hash IS NOT NULL THEN 'conflict_store'
    WHEN r.first_pos IS NOT NULL AND (h._chunk, h.source_line) > r.first_pos AND h.content_hash = r.first_hash
      THEN 'duplicate'
    WHEN r.first_pos IS NOT NULL AND (h._chunk, h.source_line) > r.first_pos THEN 'conflict_batch'
    ELSE 'new'
  END AS status
FROM hashed h
LEFT JOIN repeated r USING (platform, post_id)
LEFT JOIN known_posts k USING (platform, post_id)
"""


# Accounts change over time (followers, names): a changed profile is a new snapshot, an identical one a duplicate.
_CLASSIFY_ACCOUNTS = """
CREATE OR REPLACE TEMP TABLE incoming_accounts AS
SELECT *, row_number() OVER (PARTITION BY platform, account_id, content_hash ORDER BY _chunk, source_line) AS rn
FROM (
  SELECT *, (?::VARCHAR[])[_chunk + 1] AS source_file,
    md5(concat_ws(chr(31), coalesce(strftime(created_at, '%Y-%m-%dT%H:%M:%S'), ''),
      coalesce(display_name, ''), coalesce(followers::VARCHAR, ''), coalesce(following::VARCHAR, ''),
      coalesce(posts_count::VARCHAR, ''), coalesce(verified::VARCHAR, ''), coalesce(extras, ''))) AS content_hash
  FROM new_accounts
) a
WHERE NOT EXISTS (
  SELECT 1 FROM known_accounts k
  WHERE k.platform = a.platform AND k.account_id = a.account_id AND k.content_hash = a.content_hash
)
"""


def _stored_columns(schema: pa.Schema, batch_id: str) -> str:
    """The select list that writes a batch: its id, the rest as computed."""
    provided = {"batch_id": f"'{batch_id}' AS batch_id"}
    return ", ".join(provided.get(n, f'"{n}"') for n in schema.names)


class StoreWriter:
    """Commits normalised chunks as batches; knows every stored key so re-ingesting changes nothing."""

    def __init__(self, store: EventStore, con: duckdb.DuckDBPyConnection) -> None:
        self.store = store
        self.con = con
        con.execute(
            "CREATE TEMP TABLE known_posts AS SELECT platform, post_id, content_hash FROM posts; "
            "CREATE TEMP TABLE known_accounts AS SELECT DISTINCT platform, account_id, content_hash "
            "FROM account_snapshots"
        )
        # A bad record read again is quarantined again, but stored once.
        self.known_rejects = {
            _reject_key(source, line, reason, raw)
            for source, line, reason, raw in con.execute("SELECT source, line, reason, raw FROM quarantine").fetchall()
        }

    def commit(self, batch: BatchInput) -> BatchManifest:
        """Write one batch atomically and return its manifest, with every source's counts filled in."""
        batch_id = new_batch_id()
        rejects = list(batch.rejects)
        chunk_paths = [batch.sources[i].path for i in batch.chunk_source]
        post_files: list[str] = []
        account_files: list[str] = []
        if batch.posts is not None and batch.posts.num_rows:
            post_files = self._write_posts(batch_id, batch, chunk_paths, rejects)
        by_path = {s.path: s for s in batch.sources}
        for r in rejects:
            source = by_path.get(r.source, batch.sources[0])
            (source.posts if r.kind == POST_KIND else source.accounts).quarantined += 1
        if batch.accounts is not None and batch.accounts.num_rows:
            account_files = self._write_accounts(batch_id, batch, chunk_paths)
        quarantine_file = None
        if any(_reject_key(r.source, r.line, r.reason, r.raw) not in self.known_rejects for r in rejects):
            quarantine_file = f"quarantine/{batch_id}.jsonl"
            self._write_quarantine(self.store.root / quarantine_file, batch_id, rejects)
        for rel in post_files + account_files:
            _fsync_file(self.store.root / rel)
        totals = Counts(), Counts()
        for source in batch.sources:
            totals[0].add(source.posts)
            totals[1].add(source.accounts)
            for kind, counts in (("posts", source.posts), ("accounts", source.accounts)):
                if not counts.balanced:
                    raise AssertionError(f"{kind} counts of {source.path} do not add up in batch {batch_id}: {counts}")
        manifest = BatchManifest(
            batch_id=batch_id,
            committed_at=time.time(),
            sources=batch.sources,
            posts=totals[0],
            accounts=totals[1],
            post_files=post_files,
            account_files=account_files,
            quarantine_file=quarantine_file,
        )
        write_atomically(self.store.catalog_dir / f"{batch_id}.json", orjson.dumps(asdict(manifest)))
        self._remember(post_files, account_files)
        return manifest

    def _count_by_source(self, table: str, status: str, batch: BatchInput, attr: str, field_name: str) -> None:
        by_path = {s.path: s for s in batch.sources}
        for path, n in self.con.execute(
            f"SELECT source_file, count(*) FROM {table} WHERE {status} GROUP BY ALL"
        ).fetchall():
            counts = getattr(by_path[path], attr)
            setattr(counts, field_name, getattr(counts, field_name) + n)

    def _write_posts(
        self, batch_id: str, batch: BatchInput, chunk_paths: list[str], rejects: list[Rejected]
    ) -> list[str]:
        self.con.register("new_posts", batch.posts)
        try:
            self.con.execute(_CLASSIFY_POSTS, [chunk_paths])
        finally:
            self.con.unregister("new_posts")
        self._count_by_source("incoming", "status = 'duplicate'", batch, "posts", "duplicate")
        self._count_by_source("incoming", "status = 'new'", batch, "posts", "loaded")
        conflicts = self.con.execute(
            "SELECT source_file, source_line, status, first_file, first_line, post_id, to_json(incoming)::VARCHAR "
            "FROM incoming WHERE status LIKE 'conflict%' ORDER BY _chunk, source_line"
        ).fetchall()
        for path, line, status, first_file, first_line, post_id, raw in conflicts:
            if status == "conflict_store":
                reason = f"post_id {post_id} already stored with different content"
            elif first_file == path:
                reason = f"post_id {post_id} repeated with different content (first at line {first_line})"
            else:
                reason = f"post_id {post_id} repeated with different content (first in {first_file}, line {first_line})"
            rejects.append(Rejected(str(path), int(line), reason, str(raw), POST_KIND))
        if not scalar(self.con, "SELECT count(*) FROM incoming WHERE status = 'new'"):
            return []
        columns = _stored_columns(STORED_POST_SCHEMA, batch_id)
        return self._copy_partitioned(
            f"SELECT {columns}, strftime(created_at, '%Y-%m-%d') AS day FROM incoming WHERE status = 'new'",
            self.store.posts_dir,
            "platform, day",
            batch_id,
        )

    def _write_accounts(self, batch_id: str, batch: BatchInput, chunk_paths: list[str]) -> list[str]:
        self.con.register("new_accounts", batch.accounts)
        try:
            self.con.execute(_CLASSIFY_ACCOUNTS, [chunk_paths])
        finally:
            self.con.unregister("new_accounts")
        self._count_by_source("incoming_accounts", "rn = 1", batch, "accounts", "loaded")
        # Accounts already stored (not in incoming_accounts) and repeats within the batch are duplicates.
        for source in batch.sources:
            source.accounts.duplicate = source.accounts.read - source.accounts.loaded - source.accounts.quarantined
        if not scalar(self.con, "SELECT count(*) FROM incoming_accounts WHERE rn = 1"):
            return []
        columns = _stored_columns(STORED_ACCOUNT_SCHEMA, batch_id)
        return self._copy_partitioned(
            f"SELECT {columns} FROM incoming_accounts WHERE rn = 1", self.store.accounts_dir, "platform", batch_id
        )

    def _copy_partitioned(self, query: str, folder: Path, partition_by: str, batch_id: str) -> list[str]:
        target = str(folder).replace("'", "''")
        rows = self.con.execute(
            f"COPY ({query}) TO '{target}' (FORMAT parquet, PARTITION_BY ({partition_by}), "
            f"WRITE_PARTITION_COLUMNS true, APPEND true, FILENAME_PATTERN '{batch_id}_{{uuid}}', "
            "COMPRESSION zstd, COMPRESSION_LEVEL 1, RETURN_FILES true)"
        ).fetchall()
        written = [Path(f) for _, files in rows for f in files]
        return sorted(str(p.resolve().relative_to(self.store.root.resolve())) for p in written)

    def _write_quarantine(self, path: Path, batch_id: str, rejects: list[Rejected]) -> None:
        with open(path, "wb") as fh:
            for r in rejects:
                key = _reject_key(r.source, r.line, r.reason, r.raw)
                if key in self.known_rejects:
                    continue
                self.known_rejects.add(key)
                fh.write(
                    orjson.dumps(
                        {
                            "batch_id": batch_id,
                            "source": r.source,
                            "line": r.line,
                            "kind": r.kind,
                            "reason": r.reason,
                            "raw": r.raw,
                        }
                    )
                )
                fh.write(b"\n")
            fh.flush()
            os.fsync(fh.fileno())

    def _remember(self, post_files: list[str], account_files: list[str]) -> None:
        if post_files:
            self.con.execute(
                "INSERT INTO known_posts SELECT platform, post_id, content_hash FROM incoming WHERE status = 'new'"
            )
        if account_files:
            self.con.execute(
                "INSERT INTO known_accounts "
                "SELECT platform, account_id, content_hash FROM incoming_accounts WHERE rn = 1"
            )
