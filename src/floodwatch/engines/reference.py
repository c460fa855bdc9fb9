"""A slow, obviously correct co-action engine in plain Python: the yardstick the fast engines are tested against."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyarrow as pa

from floodwatch.engines.base import KEY_PAIR_SCHEMA, EventSource, PairParams, PairResult, PairsThroughArrow


class ReferenceEngine(PairsThroughArrow):
    name = "reference"

    def key_pairs(self, events: EventSource, params: PairParams) -> PairResult:
        if isinstance(events, pa.RecordBatchReader):
            events = events.read_all()
        by_key: dict[tuple[str, str], list[tuple[float, int, int]]] = defaultdict(list)
        for e in events.to_pylist():
            by_key[(e["kind"], e["key"])].append((e["t"], e["aid"], e["pid"]))
        pairs: dict[tuple[int, int, str, str], dict[str, Any]] = {}
        capped_events = 0
        capped_keys: set[tuple[str, str]] = set()
        for (kind, key), items in by_key.items():
            if len({aid for _, aid, _ in items}) < 2:
                continue
            items.sort()
            for i, (t1, a1, p1) in enumerate(items):
                within = [j for j in range(i + 1, len(items)) if items[j][0] - t1 <= params.window]
                if len(within) > params.max_neighbours:
                    capped_events += 1
                    capped_keys.add((kind, key))
                for j in within[: params.max_neighbours]:
                    t2, a2, p2 = items[j]
                    if a1 == a2:
                        continue
                    lo, hi = (a1, p1), (a2, p2)
                    if a2 < a1:
                        lo, hi = hi, lo
                    entry = pairs.setdefault(
                        (lo[0], hi[0], kind, key),
                        {
                            "co_actions": 0,
                            "first_t": t1,
                            "last_t": t2,
                            "min_gap": t2 - t1,
                            "pid_a": lo[1],
                            "pid_b": hi[1],
                            "pids_a": set(),
                            "pids_b": set(),
                        },
                    )
                    entry["co_actions"] += 1
                    entry["pids_a"].add(lo[1])
                    entry["pids_b"].add(hi[1])
                    entry["first_t"] = min(entry["first_t"], t1)
                    entry["last_t"] = max(entry["last_t"], t2)
                    if (t2 - t1, lo[1], hi[1]) < (entry["min_gap"], entry["pid_a"], entry["pid_b"]):
                        entry.update(min_gap=t2 - t1, pid_a=lo[1], pid_b=hi[1])
        rows = [
            {"aid_a": a, "aid_b": b, "kind": kind, "key": key, **values}
            | {"pids_a": sorted(values["pids_a"]), "pids_b": sorted(values["pids_b"])}
            for (a, b, kind, key), values in pairs.items()
        ]
        table = pa.Table.from_pylist(rows, schema=KEY_PAIR_SCHEMA) if rows else KEY_PAIR_SCHEMA.empty_table()
        return PairResult(table, capped_events, len(capped_keys))
