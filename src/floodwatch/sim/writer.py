"""Output files: posts as canonical JSON Lines (and optionally coordination-network-toolkit CSV), truth tables.

Posts arrive in columnar batches and leave one line at a time straight into a large write buffer. That is
deliberate: holding a batch's worth of small `bytes` objects before joining them costs several times more
than serialising them, because of allocator churn, so nothing accumulates between `orjson.dumps` and the
file.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import orjson

from floodwatch.sim.platforms import PlatformProfile

BUFFER = 1 << 20
CNT_HEADER = ("message_id", "user_id", "username", "repost_id", "reply_id", "message", "timestamp", "urls")


@dataclass
class PostBatch:
    """Posts of one platform, column by column; `time` is epoch seconds."""

    platform: str
    post_id: list[str]
    account: list[str]
    time: npt.NDArray[np.int64]
    text: list[str]
    urls: list[list[str]]
    hashtags: list[list[str]]
    mentions: list[list[str]]
    reply_to: list[str | None]
    repost_of: list[str | None]
    quote_of: list[str | None]
    lang: list[str]

    def __len__(self) -> int:
        return len(self.post_id)


def iso_times(times: npt.NDArray[np.int64], profile: PlatformProfile) -> list[str]:
    """ISO 8601 with the platform's own UTC offset, e.g. 2026-03-01T16:15:30+08:00."""
    local = (times + profile.utc_offset_hours * 3600).astype("datetime64[s]")
    suffix = profile.offset_suffix
    return [s + suffix for s in np.datetime_as_string(local).tolist()]


class Output:
    """The open output files of one simulation run."""

    def __init__(self, out_dir: Path, profiles: dict[str, PlatformProfile], write_cnt: bool) -> None:
        self.out_dir = out_dir
        self.profiles = profiles
        (out_dir / "truth").mkdir(parents=True, exist_ok=True)
        self.paths = {
            "posts": out_dir / "posts.jsonl",
            "accounts": out_dir / "accounts.jsonl",
            "claims": out_dir / "claims.jsonl",
            "truth_accounts": out_dir / "truth" / "accounts.csv",
            "truth_posts": out_dir / "truth" / "posts.csv",
            "truth_targets": out_dir / "truth" / "targets.csv",
            "summary": out_dir / "summary.json",
        }
        if write_cnt:
            self.paths["cnt"] = out_dir / "posts.cnt.csv"
        self._posts: IO[bytes] = open(self.paths["posts"], "wb", buffering=BUFFER)  # noqa: SIM115
        self._truth_fh: IO[str] = open(self.paths["truth_posts"], "w", newline="", encoding="utf-8")  # noqa: SIM115
        self._truth = csv.writer(self._truth_fh, lineterminator="\n")
        self._truth.writerow(("platform", "post_id", "campaign", "kind"))
        self._cnt_fh: IO[str] | None = None
        # With several platforms in one CSV, ids are prefixed "platform:" so they cannot collide.
        self._cnt_prefix = len(profiles) > 1
        if write_cnt:
            self._cnt_fh = open(self.paths["cnt"], "w", newline="", encoding="utf-8", buffering=BUFFER)  # noqa: SIM115
            csv.writer(self._cnt_fh, lineterminator="\n").writerow(CNT_HEADER)

    def __enter__(self) -> Output:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._posts.close()
        self._truth_fh.close()
        if self._cnt_fh is not None:
            self._cnt_fh.close()

    def posts(self, batch: PostBatch) -> int:
        """Write a batch; returns how many posts were written."""
        profile = self.profiles[batch.platform]
        stamps = iso_times(batch.time, profile)
        platform = batch.platform
        write = self._posts.write
        dumps = orjson.dumps
        newline = orjson.OPT_APPEND_NEWLINE
        for pid, acc, ts, text, urls, tags, ments, rt, ro, qo, lang in zip(
            batch.post_id,
            batch.account,
            stamps,
            batch.text,
            batch.urls,
            batch.hashtags,
            batch.mentions,
            batch.reply_to,
            batch.repost_of,
            batch.quote_of,
            batch.lang,
            strict=True,
        ):
            write(
                dumps(
                    {
                        "platform": platform,
                        "post_id": pid,
                        "account_id": acc,
                        "created_at": ts,
                        "text": text,
                        "urls": urls,
                        "hashtags": tags,
                        "mentions": ments,
                        "reply_to": rt,
                        "repost_of": ro,
                        "quote_of": qo,
                        "lang": lang,
                    },
                    option=newline,
                )
            )
        if self._cnt_fh is not None:
            self._cnt(batch)
        return len(batch)

    def _cnt(self, batch: PostBatch) -> None:
        """coordination-network-toolkit rows: epoch-second timestamps, space-separated urls, "" for null."""
        assert self._cnt_fh is not None
        pre = f"{batch.platform}:" if self._cnt_prefix else ""
        csv.writer(self._cnt_fh, lineterminator="\n").writerows(
            (pre + pid, pre + acc, acc, pre + ro if ro else "", pre + rt if rt else "", text, t, " ".join(urls))
            for pid, acc, t, text, urls, rt, ro in zip(
                batch.post_id,
                batch.account,
                batch.time.tolist(),
                batch.text,
                batch.urls,
                batch.reply_to,
                batch.repost_of,
                strict=True,
            )
        )

    def truth_posts(self, rows: list[tuple[str, str, str, str]]) -> None:
        self._truth.writerows(rows)

    def table(self, name: str, header: tuple[str, ...], rows: Iterable[Sequence[str]]) -> None:
        """A small CSV written at once (truth/accounts.csv, truth/targets.csv)."""
        with open(self.paths[name], "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)

    def json_lines(self, name: str, records: Iterable[Mapping[str, Any]]) -> int:
        """Write an iterable of JSON-able records as JSON Lines; returns the count."""
        n = 0
        with open(self.paths[name], "wb", buffering=BUFFER) as fh:
            for record in records:
                fh.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
                n += 1
        return n

    def summary(self, data: dict[str, object]) -> None:
        self.paths["summary"].write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
