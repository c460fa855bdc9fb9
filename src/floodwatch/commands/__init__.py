"""The commands of the `floodwatch` CLI, grouped by stage."""
