"""The attainment indicators, from their one home: ``schemas/indicators.yaml``.

Code, labels, the denominators each is published with, and definition. The marts, the report,
the benchmark, the tests and the data dictionary all take the list from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import yaml

from pipelines.settings import SCHEMAS_DIR

DENOMINATORS = ("all", "known")
# The fct_attainment column each denominator is: all participants in follow-up, or the known.
DENOMINATOR_COLUMNS = {"all": "participants", "known": "known_status"}


@dataclass(frozen=True)
class Indicator:
    code: str
    label_nb: str
    label_en: str
    short_nb: str
    short_en: str
    denominators: tuple[str, ...]
    definition_nb: str
    definition_en: str

    def share_columns(self) -> tuple[str, ...]:
        """The mart's share columns of this indicator: pct_<code>_of_<denominator>."""
        return tuple(f"pct_{self.code}_of_{d}" for d in self.denominators)


@cache
def indicators() -> tuple[Indicator, ...]:
    raw = yaml.safe_load((SCHEMAS_DIR / "indicators.yaml").read_text(encoding="utf-8"))
    result = []
    for spec in raw["indicators"]:
        denominators = tuple(spec["denominators"])
        unknown = set(denominators) - set(DENOMINATORS)
        if unknown:
            raise ValueError(f"indicator {spec['code']}: unknown denominators {sorted(unknown)}")
        result.append(
            Indicator(**{**spec, "denominators": denominators})  # type: ignore[arg-type]
        )
    return tuple(result)


def indicator(code: str) -> Indicator:
    return next(i for i in indicators() if i.code == code)


INDICATORS: tuple[str, ...] = tuple(i.code for i in indicators())
