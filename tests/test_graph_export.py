"""Network exports open in Gephi: GraphML through igraph, GEXF by hand; CSV and Parquet round-trip."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import igraph as ig
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from floodwatch.export.graph import write_graph

EDGES = pa.table(
    {
        "platform_a": ["weibo", "weibo", "x"],
        "account_a": ["a", "b", "c"],
        "platform_b": ["weibo", "x", "x"],
        "account_b": ["b", "c", "d"],
        "weight": [3.5, 1.0, 2.25],
        "kinds": ["repost,trace", "url", None],
    }
)
CLUSTERS = pa.table(
    {"platform": ["weibo", "weibo"], "account_id": ["a", "b"], "cluster_id": ["C001", "C001"], "score": [0.9, 0.8]}
)


def test_graphml_round_trip(tmp_path: Path) -> None:
    path = write_graph(EDGES, tmp_path / "g.graphml", "graphml", CLUSTERS)
    graph = ig.Graph.Read_GraphML(str(path))
    assert graph.vcount() == 4 and graph.ecount() == 3
    names = graph.vs["name"]
    assert sorted(names) == ["weibo/a", "weibo/b", "x/c", "x/d"]
    assert graph.vs[names.index("weibo/a")]["cluster_id"] == "C001"
    assert sorted(graph.es["weight"]) == [1.0, 2.25, 3.5]


def test_gexf_is_valid_xml_with_weights_and_attributes(tmp_path: Path) -> None:
    path = write_graph(EDGES, tmp_path / "g.gexf", "gexf", CLUSTERS)
    ns = {"g": "http://gexf.net/1.3"}
    root = ET.parse(path).getroot()
    nodes = root.findall(".//g:nodes/g:node", ns)
    edges = root.findall(".//g:edges/g:edge", ns)
    assert {n.get("id") for n in nodes} == {"weibo/a", "weibo/b", "x/c", "x/d"}
    assert sorted(float(e.get("weight", "0")) for e in edges) == [1.0, 2.25, 3.5]
    first = next(e for e in edges if e.get("source") == "weibo/a")
    assert first.find(".//g:attvalue", ns).get("value") == "repost,trace"  # type: ignore[union-attr]


def test_parquet_and_csv(tmp_path: Path) -> None:
    assert pq.read_table(write_graph(EDGES, tmp_path / "g.parquet", "parquet")).equals(EDGES)
    assert (tmp_path / "g.csv").exists() is False
    text = write_graph(EDGES, tmp_path / "g.csv", "csv").read_text()
    assert text.splitlines()[0] == '"platform_a","account_a","platform_b","account_b","weight","kinds"'


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown graph format"):
        write_graph(EDGES, tmp_path / "g.dot", "dot")
