"""The demo's story lines and its log capture (pipelines/demo/story.py), without a pipeline."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from pipelines.demo.story import Check, checks_text, key_figure_lines, stage_line


def test_checks_line_counts_and_names_what_did_not_pass() -> None:
    checks = [
        Check("a_passes", True, "ERROR"),
        Check("b_warns", False, "WARN"),
        Check("c_fails", False, "ERROR"),
        Check("d_passes", True, "WARN"),
    ]
    assert checks_text(checks, "kontroller") == [
        "4 kontroller: 2 bestått, 1 advarsel, 1 feilet",
        "feilet: c_fails; advarsel: b_warns",
    ]
    assert checks_text(checks[:1], "tester") == ["1 tester: 1 bestått, 0 advarsel, 0 feilet"]


def test_stage_line_ends_with_seconds_in_norwegian() -> None:
    assert stage_line("dbt", "17 modeller", 17.06) == "  dbt        17 modeller  (17,1 s)"
    assert stage_line("report", "ferdig") == "  Rapport    ferdig"


def test_key_figures_show_counts_shares_and_suppressed_cells() -> None:
    figures = [
        {"code": "participants", "kind": "count", "0": 1013, "6": 971, "12": 938},
        {"code": "employed", "kind": "pct", "0": 38.6, "6": "–", "12": None},
    ]
    lines = key_figure_lines(figures, "Nøkkeltall")
    assert lines[0] == "Nøkkeltall"
    assert lines[1].split() == ["0", "mnd", "6", "mnd", "12", "mnd"]
    # labels padded to the longest (22 characters) + 2, then 9 characters per horizon
    assert lines[2] == "  Deltakere i oppfølging      1 013      971      938"
    assert lines[3] == "  " + "I jobb".ljust(24) + "   38,6 %" + "        –" + " " * 9


def test_captured_output_sends_everything_but_the_story_to_the_log(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "demo.log"
    program = textwrap.dedent(
        f"""
        import os, subprocess, sys
        from pathlib import Path
        from pipelines.demo.story import captured_output
        with captured_output(Path({str(log)!r})) as out:
            print("story line", file=out)
            print("python stdout")
            print("python stderr", file=sys.stderr)
            subprocess.run(["echo", "child process"], check=True)
        print("after")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines() == ["story line", "after"]
    assert done.stderr == ""
    text = log.read_text(encoding="utf-8")
    for line in ("python stdout", "python stderr", "child process"):
        assert line in text
    assert "story line" not in text
