"""The upload path: landing (content-addressed raw files), reading CSV/XLSX as Norwegian offices
send them, the contract check (whole-column checks), privacy (pseudonyms, identity numbers
refused), the raw load into DuckDB, and the uploader's receipt (grouped by rule, the whole list
as CSV/XLSX). Portal, CLI and drop folder share it."""
