"""The attainment indicators, by their stable codes, in the order the marts and the report use.

The definitions live in dbt (`dbt_project/macros/followup_status.sql`, `indicator_names()`);
fct_attainment has n_<code>, pct_<code>_of_all and pct_<code>_of_known for each. This module
imports nothing, so the report and the benchmark can both use it.
"""

INDICATORS = (
    "employed",
    "relevant_work",
    "full_time",
    "part_time",
    "permanent",
    "temporary",
    "right_shelf",
    "closer_to_relevant",
    "unemployed",
    "unknown",
)
