"""The report's charts, drawn from the published (protected) tables as inline SVG.

Charts show only what the tables show: a hidden share draws no bar, and hidden status counts
are drawn together as one "skjermet" segment (its size is the column total minus the published
cells, which a reader can work out from the table anyway). The SVG is self-contained: text as
text, no fonts, images or links fetched, no XML namespaces or metadata pointing anywhere, and
ids prefixed per chart so several charts can live in one page.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass

import matplotlib
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from pipelines.report.labels import (
    HORIZONS,
    LEVEL_LABELS,
    STATUS_GROUPS,
    horizon_title,
    is_missing,
    is_suppressed,
    status_group_labels,
    tr,
)

HORIZON_COLOURS = {0: "#9ecae1", 6: "#4292c6", 12: "#08306b"}
STATUS_COLOURS = {
    "employed": "#2171b5",
    "internship_education": "#6baed6",
    "unemployed": "#e6550d",
    "other": "#fdae6b",
    "unknown": "#bdbdbd",
    "not_due": "#f0f0f0",
}
HIDDEN_COLOUR = "#737373"

_RC = {
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
}


@dataclass(frozen=True)
class Chart:
    """One chart: its id, Norwegian title, an alt text, and the inline SVG markup."""

    name: str
    title: str
    description: str
    svg: str


def _number(value: object) -> float:
    """A published value as a float for plotting; NaN for hidden or missing."""
    if is_suppressed(value) or is_missing(value):
        return math.nan
    return float(value)


def _chart(name: str, title_nb: str, description_nb: str, figure, lang: str) -> Chart:
    """A finished figure as a Chart: title and description in ``lang``, the SVG described."""
    description = tr(description_nb, lang)
    return Chart(name, tr(title_nb, lang), description, _to_svg(figure, name, description))


def _to_svg(figure: Figure, name: str, description: str) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context({**_RC, "svg.hashsalt": name}):
        figure.savefig(
            buffer,
            format="svg",
            bbox_inches="tight",
            metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
        )
    return inline_svg(buffer.getvalue(), name, description)


def inline_svg(svg: str, name: str, description: str) -> str:
    """matplotlib's SVG document as an element to put inside HTML: no XML prolog, doctype,
    metadata or namespace URLs, ids prefixed with ``name``, class "chart", an accessible label."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)
    svg = svg.replace("xlink:href=", "href=")
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{name}-{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{name}-{m.group(1)})", svg)
    svg = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{name}-{m.group(1)}"', svg)
    label = description.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    svg = svg.replace(
        "<svg", f'<svg class="chart" data-chart="{name}" role="img" aria-label="{label}"', 1
    )
    if re.search(r"https?:|<script|<image", svg, flags=re.I):
        raise ValueError(f"chart {name}: SVG refers to something outside the page")
    return svg.strip()


def _figure(width: float, height: float, ncols: int = 1) -> tuple[Figure, list]:
    with matplotlib.rc_context(_RC):
        figure = Figure(figsize=(width, height))
        axes = figure.subplots(1, ncols, squeeze=False)[0].tolist()
    return figure, axes


def programme_chart(programmes, lang: str = "nb") -> Chart | None:
    """Share in work and in relevant work per programme, grouped by horizon (horizontal bars)."""
    rows = programmes[programmes["level"] == LEVEL_LABELS["programme"]]
    if rows.empty:
        return None
    names = list(dict.fromkeys(rows["programme_name"]))
    height = max(2.6, 0.22 * len(names) * len(HORIZONS) + 1.4)
    with matplotlib.rc_context(_RC):
        figure, axes = _figure(9.5, height, ncols=2)
        bar = 0.8 / len(HORIZONS)
        for ax, column, title in (
            (axes[0], "pct_employed_of_all", tr("I jobb, % av alle", lang)),
            (axes[1], "pct_relevant_work_of_all", tr("I relevant jobb, % av alle", lang)),
        ):
            for k, h in enumerate(HORIZONS):
                for i, name in enumerate(names):
                    match = rows[(rows["programme_name"] == name) & (rows["horizon_months"] == h)]
                    if match.empty:
                        continue
                    raw = match.iloc[0][column]
                    y = i + (k - 1) * bar
                    value = _number(raw)
                    if math.isnan(value):
                        if is_suppressed(raw):
                            ax.text(
                                1,
                                y,
                                "– " + tr("skjermet", lang),
                                va="center",
                                fontsize=6,
                                color=HIDDEN_COLOUR,
                            )
                        continue
                    ax.barh(y, value, height=bar, color=HORIZON_COLOURS[h])
            ax.set_yticks(range(len(names)))
            ax.set_yticklabels([n if len(n) <= 30 else n[:29] + "…" for n in names])
            ax.invert_yaxis()
            ax.set_xlim(0, 100)
            ax.set_xlabel("%")
            ax.set_title(title)
            ax.grid(axis="x", color="#dddddd", linewidth=0.6)
            ax.set_axisbelow(True)
        axes[1].set_yticklabels([])
        figure.legend(
            handles=[
                Patch(color=HORIZON_COLOURS[h], label=tr(horizon_title(h), lang)) for h in HORIZONS
            ],
            loc="lower center",
            ncol=len(HORIZONS),
            frameon=False,
            bbox_to_anchor=(0.5, -0.02),
        )
        figure.tight_layout(rect=(0, 0.05, 1, 1))
    return _chart(
        "programmes",
        "Måloppnåelse per program og oppfølgingstidspunkt",
        "Andel i jobb og i relevant jobb per program ved programslutt, 6 og 12 måneder etter.",
        figure,
        lang,
    )


def status_chart(distribution, lang: str = "nb") -> Chart | None:
    """Status groups at 0, 6 and 12 months as 100 % stacked bars."""
    total_row = distribution[distribution["category"] == "total"]
    if total_row.empty or is_suppressed(total_row.iloc[0]["n_0"]):
        return None
    total = float(total_row.iloc[0]["n_0"])
    if total <= 0:
        return None
    labels = status_group_labels()
    with matplotlib.rc_context(_RC):
        figure, (ax,) = _figure(8.0, 3.2)
        for k, h in enumerate(HORIZONS):
            left = 0.0
            hidden = total
            for group in STATUS_GROUPS:
                value = _number(
                    distribution.loc[distribution["category"] == group, f"n_{h}"].iloc[0]
                )
                if math.isnan(value):
                    continue
                hidden -= value
                width = 100 * value / total
                ax.barh(k, width, left=left, color=STATUS_COLOURS[group], edgecolor="white")
                if width >= 6:
                    ax.text(
                        left + width / 2,
                        k,
                        f"{width:.0f}",
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if group in ("employed", "unemployed") else "#222222",
                    )
                left += width
            if hidden > 0:
                ax.barh(
                    k,
                    100 * hidden / total,
                    left=left,
                    color="white",
                    edgecolor=HIDDEN_COLOUR,
                    hatch="////",
                )
        ax.set_yticks(range(len(HORIZONS)))
        ax.set_yticklabels([tr(horizon_title(h), lang) for h in HORIZONS])
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel(tr("% av alle deltakere", lang))
        handles = [Patch(color=STATUS_COLOURS[g], label=tr(labels[g], lang)) for g in STATUS_GROUPS]
        handles.append(
            Patch(
                facecolor="white", edgecolor=HIDDEN_COLOUR, hatch="////", label=tr("Skjermet", lang)
            )
        )
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.25),
            ncol=3,
            frameon=False,
            fontsize=7,
        )
        figure.tight_layout()
    return _chart(
        "status",
        "Status fra programslutt til 6 og 12 måneder etter",
        "Statusfordeling ved programslutt, 6 og 12 måneder etter, i prosent av alle deltakere.",
        figure,
        lang,
    )


def _line_chart(
    trend, panels: list[tuple[str, str]], name: str, title: str, description: str, lang: str
):
    if trend.empty:
        return None
    quarters = list(dict.fromkeys(trend["quarter"]))
    with matplotlib.rc_context(_RC):
        figure, axes = _figure(4.6 * len(panels), 3.0, ncols=len(panels))
        for ax, (column, panel_title) in zip(axes, panels, strict=True):
            for h in HORIZONS:
                rows = trend[trend["horizon_months"] == h]
                lookup = dict(zip(rows["quarter"], rows[column], strict=True))
                values = [_number(lookup.get(q)) for q in quarters]
                ax.plot(
                    range(len(quarters)),
                    values,
                    marker="o",
                    markersize=3,
                    color=HORIZON_COLOURS[h],
                    label=tr(horizon_title(h), lang),
                )
            ax.set_xticks(range(len(quarters)))
            ax.set_xticklabels(quarters, rotation=45, ha="right", fontsize=7)
            ax.set_ylim(0, 100)
            ax.set_ylabel("%")
            ax.set_title(panel_title)
            ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        axes[0].legend(frameon=False, fontsize=7)
        figure.tight_layout()
    return Chart(name, title, description, _to_svg(figure, name, description))


def coverage_chart(trend, lang: str = "nb") -> Chart | None:
    return _line_chart(
        trend,
        [("coverage_pct", tr("Dekning (% med kjent status)", lang))],
        "coverage",
        tr("Oppfølgingsdekning over tid", lang),
        tr("Andel med kjent status per kvartal, ved programslutt, 6 og 12 måneder etter.", lang),
        lang,
    )


def trend_chart(trend, lang: str = "nb") -> Chart | None:
    return _line_chart(
        trend,
        [
            ("pct_employed_of_all", tr("I jobb, % av alle", lang)),
            ("pct_relevant_work_of_all", tr("I relevant jobb, % av alle", lang)),
        ],
        "trend",
        tr("Utvikling over kvartalene", lang),
        tr(
            "Andel i jobb og i relevant jobb per kvartal, ved programslutt, 6 og 12 måneder etter.",
            lang,
        ),
        lang,
    )


def all_charts(tables, lang: str = "nb") -> list[Chart]:
    charts = [
        programme_chart(tables["programmes"], lang),
        status_chart(tables["status_distribution"], lang),
        coverage_chart(tables["trend"], lang),
        trend_chart(tables["trend"], lang),
    ]
    return [chart for chart in charts if chart is not None]


SPARK_COLOURS = {"employed": "#08306b", "relevant_work": "#4292c6", "right_shelf": "#e6550d"}


def sparkline(series: dict[str, list[float | None]], label: str, width: int = 72) -> str:
    """A small multiple: each indicator's share (0-100 %) at 0, 6 and 12 months as a line, drawn
    by hand as a tiny inline SVG (no matplotlib, no ids, nothing fetched). A hidden or missing
    share is a gap; a point with no neighbour is a dot."""
    height, pad = 30, 3
    step = (width - 2 * pad) / (len(HORIZONS) - 1)

    def xy(i: int, value: float) -> tuple[float, float]:
        return pad + i * step, pad + (100 - value) / 100 * (height - 2 * pad)

    parts = [
        f'<line x1="{pad}" x2="{width - pad}" y1="{height - pad}" y2="{height - pad}" '
        'stroke="#d0d7de" stroke-width="1"/>'
    ]
    for code, values in series.items():
        colour = SPARK_COLOURS.get(code, "#555555")
        run: list[tuple[float, float]] = []
        for i, value in enumerate([*values, None]):
            if value is not None and not math.isnan(value):
                run.append(xy(i, value))
                continue
            if len(run) == 1:
                x, y = run[0]
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.8" fill="{colour}"/>')
            elif run:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                parts.append(
                    f'<polyline points="{points}" fill="none" stroke="{colour}" '
                    'stroke-width="1.6"/>'
                )
            run = []
    text = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{text}">' + "".join(parts) + "</svg>"
    )
