"""`imdi bench`: a tool beside the product that times it against DuckDB's own floor."""
