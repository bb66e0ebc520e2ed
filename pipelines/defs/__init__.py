"""Every Dagster object - assets, asset checks, jobs, the landing sensor, the quarterly schedule,
resources - and the one ``Definitions`` (``pipelines.defs.definitions``). The only package that
imports dagster; the logic it wires lives in the packages below it."""
