"""The upload path: landing (content-addressed raw files), reading CSV/XLSX as Norwegian offices
send them, the contract check (pandera), privacy (pseudonyms, identity numbers refused), the
raw load into DuckDB and the uploader's receipt. Portal, CLI and drop folder share it."""
