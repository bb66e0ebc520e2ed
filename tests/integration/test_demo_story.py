"""`imdi demo` as a new user runs it (`make demo` after the install): one screen that tells the
story - a line per stage with counts that match the warehouse it built, the key figures, where
everything is - no warnings, and the full dbt/Dagster log in a file named at the end.

The demo runs once (about a minute), as a subprocess in its own IMDI_HOME.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipelines.checks.rules import RULES
from pipelines.settings import DBT_PROJECT_DIR

pytestmark = pytest.mark.integration

# The quality checks run on the published copy, after publication.
STAGES = ["Generert", "Mottatt", "Validert", "dbt", "Publisert", "Kvalitet", "Rapport"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    home = tmp_path_factory.mktemp("demo") / "imdi"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMDI_", "DAGSTER_"))}
    env.update(
        IMDI_HOME=str(home),
        DAGSTER_HOME=str(home / "dagster"),
        IMDI_PSEUDONYM_KEY="test-key-not-secret",
    )
    imdi = Path(sys.executable).parent / "imdi"
    done = subprocess.run(
        [str(imdi), "demo"],
        cwd=home.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return {"home": home, "done": done, "lines": done.stdout.splitlines()}


def stage(lines: list[str], name: str) -> str:
    found = [line for line in lines if line.startswith(f"  {name:<10} ")]
    assert len(found) == 1, (name, lines)
    return found[0]


def count_after(pattern: str, line: str) -> int:
    match = re.search(pattern, line)
    assert match, (pattern, line)
    return int(match.group(1).replace(" ", ""))


def test_demo_fits_one_screen_with_every_stage_in_order(demo: dict) -> None:
    done, lines = demo["done"], demo["lines"]
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(lines) <= 40, done.stdout
    positions = [lines.index(stage(lines, name)) for name in STAGES]
    assert positions == sorted(positions)
    # every stage line ends with how long it took
    for name in STAGES[:-1]:
        assert re.search(r"\(\d+,\d s\)$", stage(lines, name)), stage(lines, name)
    # nothing of dbt's or Dagster's own log on the screen
    assert not any(re.match(r"\d+ of \d+ (START|PASS)", line) for line in lines)
    assert " - dagster - " not in done.stdout + done.stderr


def test_no_warnings_and_the_full_log_is_in_the_named_file(demo: dict) -> None:
    done, lines = demo["done"], demo["lines"]
    assert any("ingen advarsler" in line for line in lines), done.stdout
    assert "WARNING" not in done.stdout + done.stderr
    named = [line for line in lines if "Full logg fra dbt og Dagster:" in line]
    assert len(named) == 1
    log = demo["home"].parent / named[0].split(":", 1)[1].strip()
    assert log.parent == demo["home"] / "logs" and log.name.startswith("demo-")
    text = log.read_text(encoding="utf-8")
    assert "Completed successfully" in text  # dbt's own log
    assert "STEP_SUCCESS" in text  # Dagster's own log
    assert "AssetObservation" not in text
    assert " - WARNING - " not in text


def test_stage_counts_match_what_was_built(demo: dict) -> None:
    home, lines = demo["home"], demo["lines"]
    files = [p for p in (home / "demo-files").rglob("*") if p.is_file()]
    assert count_after(r"Generert\s+(\d[\d ]*) filer", stage(lines, "Generert")) == len(files)
    assert count_after(r"(\d[\d ]*) nye filer", stage(lines, "Mottatt")) == len(files)

    con = duckdb.connect(str(home / "published" / "warehouse.duckdb"), read_only=True)
    try:
        accepted = sum(
            con.execute(f"select count(*) from raw.{t}").fetchone()[0]  # noqa: S608
            for t in (
                "raw_followups",
                "raw_programme_register",
                "raw_status_reports",
                "raw_register_employment",  # the demo's register extract (issue 14)
            )
        )
        rejected_rows, warnings = con.execute(
            "select count(distinct (upload_id, source_row)) filter (where severity = 'error'),"
            " count(*) filter (where severity = 'warning') from raw.raw_rejections"
        ).fetchone()
        top_rule = con.execute(
            "select rule from raw.raw_rejections group by rule order by count(*) desc, rule limit 1"
        ).fetchone()[0]
    finally:
        con.close()
    validated = stage(lines, "Validert")
    assert count_after(r"(\d[\d ]*) rader godtatt", validated) == accepted
    assert count_after(r"(\d[\d ]*) avvist", validated) == rejected_rows
    assert count_after(r"(\d[\d ]*) advarsler", validated) == warnings
    reasons = lines[lines.index(validated) + 1]
    assert reasons.strip().startswith(f"vanligst: {top_rule} (")

    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    models = sum(1 for node in manifest["nodes"].values() if node["resource_type"] == "model")
    tests = sum(1 for node in manifest["nodes"].values() if node["resource_type"] == "test")
    dbt = stage(lines, "dbt")
    assert count_after(r"(\d+) modeller", dbt) == models
    assert count_after(r"(\d+) tester", dbt) == tests
    assert count_after(r"(\d+) bestått", dbt) == tests

    results = json.loads((home / "quality" / "results.json").read_text(encoding="utf-8"))
    quality = stage(lines, "Kvalitet")
    assert count_after(r"(\d+) kontroller", quality) == len(RULES)
    assert count_after(r"(\d+) bestått", quality) == sum(r["passed"] for r in results)
    assert count_after(r"(\d+) advarsel", quality) == sum(
        not r["passed"] and r["severity"] == "WARN" for r in results
    )


def test_key_figures_are_the_reports_headline(demo: dict) -> None:
    home, lines = demo["home"], demo["lines"]
    sheet = openpyxl.load_workbook(home / "reports" / "2020-K2" / "kvartalsrapport.xlsx")[
        "Hovedtall"
    ]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    # columns: code, label, then (count, % of all, % of known) for 0, 6 and 12 months
    participants = [rows["participants"][2 + 3 * i] for i in range(3)]
    employed = [rows["employed"][3 + 3 * i] for i in range(3)]
    shown = next(line for line in lines if line.strip().startswith("Deltakere i oppfølging"))
    cells = re.split(r"\s{2,}", shown.strip())[1:]  # columns are 2+ spaces apart
    assert [int(v.replace(" ", "")) for v in cells] == participants
    in_work = next(line for line in lines if line.strip().startswith("I jobb"))
    assert re.findall(r"(\d+,\d) %", in_work) == [f"{v:.1f}".replace(".", ",") for v in employed]
    for path in ("kvartalsrapport.html", "kvartalsrapport.xlsx", "warehouse.duckdb",
                 "quality/index.html"):  # fmt: skip
        assert any(line.rstrip().endswith(path) for line in lines), path


def test_quality_page_lists_every_check_of_the_run(demo: dict) -> None:
    page = demo["home"] / "quality" / "index.html"
    text = page.read_text(encoding="utf-8")
    listed = re.findall(r'<tr class="\w+" data-check="([a-z_]+)"', text)
    assert sorted(listed) == sorted(rule.spec.name for rule in RULES)
    results = json.loads((demo["home"] / "quality" / "results.json").read_text(encoding="utf-8"))
    warned = sorted(r["check_name"] for r in results if not r["passed"])
    assert sorted(re.findall(r'data-check="([a-z_]+)" data-outcome="warned"', text)) == warned
    assert "://" not in text


def report_html(demo: dict) -> Path:
    return demo["home"] / "reports" / "2020-K2" / "kvartalsrapport.html"


@pytest.mark.browser
def test_per_programme_section_fits_two_screens(demo: dict, browser) -> None:
    programmes = count_after(r"(\d+) programmer", stage(demo["lines"], "Generert"))
    browser.set_window_size(1366, 768)
    browser.get(report_html(demo).as_uri())
    rows = browser.execute_script(
        "return document.querySelectorAll('#per-program table.overview tbody tr').length"
    )
    assert rows == programmes
    height, screen = browser.execute_script(
        "return [document.getElementById('per-program').getBoundingClientRect().height,"
        " window.innerHeight]"
    )
    assert height <= 2 * screen, (height, screen)
    wide, shown = browser.execute_script(
        "const w = document.querySelector('#per-program .table-wrap');"
        " return [w.scrollWidth, w.clientWidth]"
    )
    assert wide <= shown, "the overview table must not need sideways scrolling"


@pytest.mark.browser
def test_report_prints_to_a_few_clean_a4_pages(demo: dict, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--print-to-pdf={pdf}",
            report_html(demo).as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    # Every page as a small image (10 dpi): A4 is 8.27 x 11.69 in, so at most 83 x 117 pixels
    # either way round; a page wider than A4 would be wider than that.
    subprocess.run(
        ["pdftoppm", "-r", "10", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=120
    )
    from PIL import Image

    sizes = [Image.open(p).size for p in sorted(tmp_path.glob("page-*.png"))]
    assert 5 <= len(sizes) <= 20, len(sizes)
    for width, height in sizes:
        assert min(width, height) <= 84 and max(width, height) <= 117, (width, height)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = text.split("\f")
    start = next(i for i, page in enumerate(pages) if "2. Per program" in page)
    end = next(i for i, page in enumerate(pages) if "3. Måloppnåelse" in page)
    assert end - start <= 2, "the per-programme section prints on one or two pages"
