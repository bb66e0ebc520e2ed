"""The working DuckDB file and what guards it: the raw tables, the one-writer lock, dbt runs
and the atomic publication of the analysts' read-only copy."""
