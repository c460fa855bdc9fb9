"""Co-action engines: one interface, interchangeable implementations (DuckDB by default)."""
