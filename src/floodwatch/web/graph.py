"""A coordination cluster as a graph for the explorer: accounts as nodes, co-action edges, a colour per platform.

Everything comes from the finding's own evidence (detect/explain.py): `members` (every account, with its traits)
and `top_edges` (the strongest co-action pairs, at most `explain.TOP_EDGES` of them; `internal_edges` counts all).
The graph therefore shows exactly what the finding — and a case opened from it — holds, not a later re-run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from floodwatch.report.charts import PALETTE


def node_id(platform: str, account_id: str) -> str:
    return f"{platform}:{account_id}"


def platform_colours(platforms: Sequence[str]) -> dict[str, str]:
    """A colour per platform, in sorted order (stable between pages), cycling the report palette (≥ 4.5:1 on white)."""
    return {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(sorted(set(platforms)))}


def cluster_graph(finding: Mapping[str, Any]) -> dict[str, Any]:
    """Cytoscape elements (`nodes`, `edges`), the platform legend and the edge counts of a coordination finding."""
    evidence = finding.get("evidence") or {}
    members: list[Mapping[str, Any]] = list(evidence.get("members") or [])
    if not members:  # a finding without traits still names its accounts as subjects
        members = [
            {"platform": s.get("platform") or "", "account_id": s["id"]}
            for s in finding.get("subjects", [])
            if s.get("kind") == "account"
        ]
    colours = platform_colours([str(m.get("platform") or "") for m in members])
    nodes = []
    for m in members:
        platform, account = str(m.get("platform") or ""), str(m["account_id"])
        nodes.append(
            {
                "data": {
                    "id": node_id(platform, account),
                    "label": account,
                    "platform": platform,
                    "account_id": account,
                    "colour": colours[platform],
                    "posts": m.get("posts"),
                    "followers": m.get("followers"),
                }
            }
        )
    known = {n["data"]["id"] for n in nodes}
    edges = []
    for i, e in enumerate(evidence.get("top_edges") or []):
        a = node_id(str(e["a"].get("platform") or ""), str(e["a"]["account_id"]))
        b = node_id(str(e["b"].get("platform") or ""), str(e["b"]["account_id"]))
        if a in known and b in known:
            edges.append(
                {"data": {"id": f"e{i}", "source": a, "target": b, "weight": e.get("weight"), "kinds": e.get("kinds")}}
            )
    return {
        "nodes": nodes,
        "edges": edges,
        "legend": [{"platform": p, "colour": c} for p, c in colours.items()],
        "edges_shown": len(edges),
        "edges_total": int(evidence.get("internal_edges") or len(edges)),
    }
