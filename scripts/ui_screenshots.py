"""Screenshots of the Dagster UI for docs/operations.md, taken by headless Chromium against
`dagster dev` on the demo. Not part of the product.

    make demo
    .venv/bin/python scripts/ui_screenshots.py            # -> docs/img/*.png

The demo's home (IMDI_HOME, default ./var) is copied to a temporary folder first and never
changed. In the copy an invariant is broken on purpose (a follow-up row with a status that is
not a code, as no upload can make one) and the warehouse updated: a blocking dbt test fails and
publication is held back, which is what the last screenshot shows. Then `dagster dev` runs on the copy (its own port) and each
page is captured at 1440 x 900.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOCATION = "pipelines.defs.definitions"
REFERENCE_DATE = "2020-06-30"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_home(home: Path, command: list[str]) -> list[str]:
    """``command`` run through env(1) with the copy's settings added to the inherited
    environment (the repository reads the environment only in pipelines/settings.py)."""
    return [
        "env",
        f"IMDI_HOME={home}",
        f"DAGSTER_HOME={home / 'dagster'}",
        f"IMDI_REFERENCE_DATE={REFERENCE_DATE}",
        *command,
    ]


def blocked_run(home: Path) -> None:
    """Break an invariant on purpose and update: publication is held back.

    A defect is simulated the way tests/integration/test_quality_gate.py does it: a follow-up
    row whose status is not a code reaches the raw table past the contract (the intake never
    writes one). dbt's `accepted_values` test fails, so the update is not published.
    """
    import duckdb

    with duckdb.connect(str(home / "warehouse" / "work.duckdb")) as con:
        con.execute(
            "insert into raw.raw_followups select * replace ('hired' as status, 'defect' as"
            " upload_id) from raw.raw_followups limit 1"
        )
    subprocess.run(with_home(home, [str(BIN / "imdi"), "run"]), check=False, capture_output=True)


def latest_run(home: Path, job: str, failed: bool) -> str | None:
    import dagster as dg

    instance = dg.DagsterInstance.from_config(str(home / "dagster"))
    try:
        status = dg.DagsterRunStatus.FAILURE if failed else dg.DagsterRunStatus.SUCCESS
        runs = instance.get_runs(filters=dg.RunsFilter(job_name=job, statuses=[status]), limit=1)
        return runs[0].run_id if runs else None
    finally:
        instance.dispose()


def wait_until_idle(home: Path, settle: float = 40, timeout: float = 900) -> None:
    """Let the daemon's first sensor ticks happen, then wait until no run is in progress.

    The demo's runs were in-process, so the landing sensor has not seen its uploads yet: its
    first tick starts one `update_warehouse` run, as it would after `make demo && make dev`.
    """
    import dagster as dg

    time.sleep(settle)
    busy = [
        dg.DagsterRunStatus.QUEUED,
        dg.DagsterRunStatus.NOT_STARTED,
        dg.DagsterRunStatus.STARTING,
        dg.DagsterRunStatus.STARTED,
    ]
    instance = dg.DagsterInstance.from_config(str(home / "dagster"))
    try:
        deadline = time.time() + timeout
        while instance.get_runs(filters=dg.RunsFilter(statuses=busy)) and time.time() < deadline:
            time.sleep(5)
    finally:
        instance.dispose()


def wait_for_server(base: str, timeout: float = 180) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/server_info", timeout=2) as response:  # noqa: S310
                json.load(response)
                return
        except OSError:
            time.sleep(1)
    raise TimeoutError(f"dagster dev did not answer at {base}")


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1440,900",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
    ):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def wait_for_text(driver, text: str, timeout: float = 120) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(lambda d: text in d.find_element("tag name", "body").text)


def dismiss_welcome(driver) -> None:
    """The UI's one-time "join the community" dialog hides the page; skip it."""
    for button in driver.find_elements("xpath", "//button[normalize-space()='Skip']"):
        button.click()
        time.sleep(1)


def expand_asset_groups(driver, base: str) -> None:
    """Open every collapsed group of the global asset graph; the UI remembers it, and a reload
    fits the whole expanded graph to the window."""
    from selenium.webdriver.common.action_chains import ActionChains

    driver.get(f"{base}/asset-groups")
    wait_for_text(driver, "warehouse")
    time.sleep(4)
    dismiss_welcome(driver)
    for _ in range(10):
        icons = [
            e
            for e in driver.find_elements("xpath", "//*[@aria-label='unfold_more']")
            if e.is_displayed()
        ]
        if not icons:
            break
        ActionChains(driver).move_to_element(icons[0]).click().perform()
        time.sleep(2)


def capture(
    driver, url: str, wait_text: str, path: Path, settle: float = 5.0, click: str | None = None
) -> None:
    driver.get(url)
    wait_for_text(driver, wait_text)
    time.sleep(settle)  # let the graph lay itself out and the live queries settle
    dismiss_welcome(driver)
    if click is not None:  # e.g. one check in the list, to show its result
        driver.find_element("xpath", f"//*[normalize-space(text())='{click}']").click()
        time.sleep(settle)
    driver.save_screenshot(str(path))
    print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}  <- {url}")


def stop(server: subprocess.Popen) -> None:
    """Stop `dagster dev` and what it started (webserver, daemon, code servers): its process
    group, politely first."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGINT)
    try:
        server.wait(timeout=30)
        time.sleep(3)  # its children shut down after it
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)  # anything left of the group


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", default=str(REPO / "var"), help="the demo's IMDI_HOME")
    parser.add_argument("--out", default=str(REPO / "docs" / "img"))
    args = parser.parse_args(argv)
    source, out = Path(args.home).resolve(), Path(args.out).resolve()
    if not (source / "published" / "warehouse.duckdb").exists():
        print(f"No demo at {source}: run `make demo` first.", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="imdi-ui-") as scratch:
        home = Path(scratch) / "var"
        shutil.copytree(source, home, ignore=shutil.ignore_patterns("*.lock", "logs"))
        blocked_run(home)
        good = latest_run(home, "update_warehouse", failed=False)
        bad = latest_run(home, "update_warehouse", failed=True)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with open(Path(scratch) / "dagster-dev.log", "wb") as log:
            dev = [str(BIN / "dagster"), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1"]
            server = subprocess.Popen(  # noqa: S603
                with_home(home, [*dev, "-p", str(port)]),
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped as a whole below
            )
            driver = None
            try:
                wait_for_server(base)
                wait_until_idle(home)
                driver = browser()
                driver.set_window_size(1600, 1500)
                expand_asset_groups(driver, base)
                capture(driver, f"{base}/asset-groups", "warehouse", out / "asset-graph.png")
                driver.set_window_size(1440, 900)
                if good:
                    capture(driver, f"{base}/runs/{good}", "published_warehouse", out / "run.png")
                capture(
                    driver,
                    f"{base}/assets/fct_followup_status?view=checks",
                    "followup_coverage_floor",
                    out / "checks.png",
                    click="followup_coverage_floor",
                )
                capture(
                    driver,
                    f"{base}/locations/{LOCATION}/sensors/landing_sensor",
                    "landing_sensor",
                    out / "sensor.png",
                )
                capture(
                    driver,
                    f"{base}/locations/{LOCATION}/schedules/quarterly_report_job_schedule",
                    "quarterly_report_job_schedule",
                    out / "schedule.png",
                )
                if bad:
                    capture(driver, f"{base}/runs/{bad}", "Failure", out / "blocked-run.png")
            finally:
                if driver is not None:
                    driver.quit()
                stop(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
