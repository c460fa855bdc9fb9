"""Exports of detector output for other tools: CSV, Parquet, GEXF and GraphML (Gephi), JSON."""
