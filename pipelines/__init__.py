"""IMDi outcome warehouse: ingest, validation and attainment modelling for mentor and trainee programmes."""
