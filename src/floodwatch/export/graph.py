"""Coordination networks as files: CSV and Parquet edge lists, GraphML and GEXF for Gephi.

GraphML is written by python-igraph. GEXF is written here with the standard library's XML writer: igraph cannot
write it, and the format needs only nodes, weighted edges and a few attributes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import igraph as ig
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

GRAPH_FORMATS = ("csv", "parquet", "graphml", "gexf")


def _nodes(edges: pa.Table, clusters: pa.Table | None) -> tuple[list[tuple[str, str]], dict[tuple[str, str], str]]:
    ends = set(zip(edges.column("platform_a").to_pylist(), edges.column("account_a").to_pylist(), strict=True))
    ends |= set(zip(edges.column("platform_b").to_pylist(), edges.column("account_b").to_pylist(), strict=True))
    cluster_of: dict[tuple[str, str], str] = {}
    if clusters is not None:
        for row in clusters.to_pylist():
            cluster_of[(row["platform"], row["account_id"])] = row["cluster_id"]
            ends.add((row["platform"], row["account_id"]))
    return sorted(ends), cluster_of


def node_id(platform: str, account_id: str) -> str:
    return f"{platform}/{account_id}"


def write_graph(edges: pa.Table, path: Path, fmt: str, clusters: pa.Table | None = None) -> Path:
    """Write `edges` (platform_a, account_a, platform_b, account_b, weight, kinds) in `fmt`."""
    if fmt == "csv":
        pacsv.write_csv(edges, path)
    elif fmt == "parquet":
        pq.write_table(edges, path)
    elif fmt == "graphml":
        _write_graphml(edges, path, clusters)
    elif fmt == "gexf":
        _write_gexf(edges, path, clusters)
    else:
        raise ValueError(f"unknown graph format {fmt!r}; choose one of {', '.join(GRAPH_FORMATS)}")
    return path


def _write_graphml(edges: pa.Table, path: Path, clusters: pa.Table | None) -> None:
    nodes, cluster_of = _nodes(edges, clusters)
    index = {n: i for i, n in enumerate(nodes)}
    rows = edges.to_pylist()
    graph = ig.Graph(
        n=len(nodes),
        edges=[(index[(r["platform_a"], r["account_a"])], index[(r["platform_b"], r["account_b"])]) for r in rows],
    )
    graph.vs["name"] = [node_id(*n) for n in nodes]
    graph.vs["platform"] = [n[0] for n in nodes]
    graph.vs["account_id"] = [n[1] for n in nodes]
    graph.vs["cluster_id"] = [cluster_of.get(n, "") for n in nodes]
    graph.es["weight"] = [float(r["weight"]) for r in rows]
    graph.es["kinds"] = [str(r["kinds"] or "") for r in rows]
    graph.write_graphml(str(path))


def _write_gexf(edges: pa.Table, path: Path, clusters: pa.Table | None) -> None:
    nodes, cluster_of = _nodes(edges, clusters)
    root = ET.Element("gexf", {"xmlns": "http://gexf.net/1.3", "version": "1.3"})
    graph = ET.SubElement(root, "graph", {"defaultedgetype": "undirected", "mode": "static"})
    node_attrs = ET.SubElement(graph, "attributes", {"class": "node"})
    for i, name in enumerate(("platform", "account_id", "cluster_id")):
        ET.SubElement(node_attrs, "attribute", {"id": str(i), "title": name, "type": "string"})
    edge_attrs = ET.SubElement(graph, "attributes", {"class": "edge"})
    ET.SubElement(edge_attrs, "attribute", {"id": "0", "title": "kinds", "type": "string"})
    xml_nodes = ET.SubElement(graph, "nodes")
    for platform, account in nodes:
        node = ET.SubElement(xml_nodes, "node", {"id": node_id(platform, account), "label": account})
        values = ET.SubElement(node, "attvalues")
        for i, value in enumerate((platform, account, cluster_of.get((platform, account), ""))):
            ET.SubElement(values, "attvalue", {"for": str(i), "value": value})
    xml_edges = ET.SubElement(graph, "edges")
    for i, r in enumerate(edges.to_pylist()):
        edge = ET.SubElement(
            xml_edges,
            "edge",
            {
                "id": str(i),
                "source": node_id(r["platform_a"], r["account_a"]),
                "target": node_id(r["platform_b"], r["account_b"]),
                "weight": repr(float(r["weight"])),
            },
        )
        values = ET.SubElement(edge, "attvalues")
        ET.SubElement(values, "attvalue", {"for": "0", "value": str(r["kinds"] or "")})
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
