"""`imdi`: the command line for IMDi staff and for the two README commands.

imdi prepare                 build dbt's manifest and the local folders (set-up)
imdi demo                    demo data -> full pipeline -> published warehouse -> report
imdi upload FILE --programme ID   land a file and print its receipt
imdi run                     bring the warehouse up to date (the sensor's job, in-process)
imdi report [--quarter 2020-K2]   render a quarter's report
imdi sql "select ..."        query the published copy (read-only)
imdi docs                    regenerate docs/contracts.md from the contracts
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from pipelines.config import (
    DBT_PROJECT_DIR,
    REPO_ROOT,
    Paths,
    dbt_executable,
    ensure_pseudonym_key,
    get_paths,
)
from pipelines.portal.commands import dispatch as portal_dispatch
from pipelines.portal.commands import register as portal_register

DAGSTER_YAML = """\
# Written by `imdi init`. One writer at a time: runs that change the warehouse queue behind
# each other, and assets in the duckdb_write pool never execute concurrently.
concurrency:
  pools:
    default_limit: 1
  runs:
    max_concurrent_runs: 4
    tag_concurrency_limits:
      - key: "imdi/writes_warehouse"
        limit: 1
telemetry:
  enabled: false
"""


def init(paths: Paths) -> None:
    paths.ensure()
    ensure_pseudonym_key(paths)
    home = os.environ.get("DAGSTER_HOME")
    if home:
        Path(home).mkdir(parents=True, exist_ok=True)
        config = Path(home) / "dagster.yaml"
        if not config.exists():
            config.write_text(DAGSTER_YAML)


def prepare(paths: Paths) -> None:
    """dbt's manifest for dagster-dbt, built by `dbt parse` (opens no database)."""
    init(paths)
    env = {
        **os.environ,
        "IMDI_WAREHOUSE_PATH": str(paths.warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    subprocess.run(
        [
            dbt_executable(),
            "parse",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--quiet",
        ],
        env=env,
        check=True,
    )


def _instance():
    import dagster as dg

    if os.environ.get("DAGSTER_HOME"):
        Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def _report_failures(result) -> None:
    for event in result.all_events:
        if event.is_failure:
            print(f"Feil i {event.step_key}: {event.message}", file=sys.stderr)


def run_update(instance=None) -> bool:
    """The sensor's job, in this process: ingest, dbt build, checks, publish."""
    from pipelines.definitions import defs

    job = defs.resolve_job_def("update_warehouse")
    result = job.execute_in_process(
        instance=instance or _instance(), run_config=QUIET, raise_on_error=False
    )
    _report_failures(result)
    return result.success


def run_report(partition_key: str, instance=None) -> bool:
    from pipelines.definitions import defs

    job = defs.resolve_job_def("quarterly_report_job")
    result = job.execute_in_process(
        instance=instance or _instance(),
        partition_key=partition_key,
        run_config=QUIET,
        raise_on_error=False,
    )
    _report_failures(result)
    return result.success


def quarter_key(text: str) -> str:
    """'2020-K2', '2020-Q2' or an ISO date -> the quarter's partition key."""
    text = text.strip().upper().replace("Q", "K")
    if "-K" in text:
        year, quarter = text.split("-K")
        return date(int(year), 3 * (int(quarter) - 1) + 1, 1).isoformat()
    day = date.fromisoformat(text)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1).isoformat()


def cmd_demo(args: argparse.Namespace) -> int:
    from pipelines.demo_data import generate
    from pipelines.landing import land_path
    from pipelines.partitions import latest_complete_quarter, quarter_end, quarter_label

    paths = get_paths()
    init(paths)
    reference = date.fromisoformat(args.reference_date)
    # The demo's world ends on its reference date; due and overdue are judged against it.
    os.environ.setdefault("IMDI_REFERENCE_DATE", reference.isoformat())
    demo_dir = paths.home / "demo-files"
    manifest = generate(
        demo_dir, participants=args.participants, seed=args.seed, reference_date=reference
    )
    new = 0
    for item in manifest.files:
        arrived = item.arrived_on
        if not isinstance(arrived, datetime):
            arrived = datetime.combine(arrived, time(12, 0))
        new += land_path(
            paths, Path(item.path), channel="demo", received_at=arrived.replace(tzinfo=UTC)
        ).is_new
    print(
        f"Demodata: {len(manifest.files)} filer generert, {new} nye i mottaket ({paths.landing})."
    )
    instance = _instance()
    if not run_update(instance):
        print("Oppdatering av varehuset feilet; se loggen over.", file=sys.stderr)
        return 1
    key = latest_complete_quarter(reference + timedelta(days=1))
    if not run_report(key, instance):
        print("Kvartalsrapporten feilet; se loggen over.", file=sys.stderr)
        return 1
    label = quarter_label(key)
    print()
    print("Ferdig. Resultater:")
    print(f"  Publisert varehus (skrivebeskyttet kopi): {paths.published}")
    print(
        f"  Kvartalsrapport {label} per {quarter_end(key):%d.%m.%Y}: {paths.reports / label / 'kvartalsrapport.html'}"
    )
    print(
        f"  Samme tabeller i Excel:                 {paths.reports / label / 'kvartalsrapport.xlsx'}"
    )
    print(f"  Datakvalitet (Great Expectations):      {paths.quality / 'data_docs' / 'index.html'}")
    print('  Spørring: .venv/bin/imdi sql "select * from fct_attainment limit 10"')
    print(
        f"  Dagster-UI: make dev  (IMDI_REFERENCE_DATE={reference.isoformat()} holder demoens dato)"
    )
    return 0


def cmd_upload(args: argparse.Namespace) -> int:
    from pipelines.ingest import check_file
    from pipelines.landing import land_path, read_landed
    from pipelines.receipt import format_receipt

    paths = get_paths()
    init(paths)
    path = Path(args.file)
    if not path.is_file():
        print(f"Fant ikke filen {path}", file=sys.stderr)
        return 2
    landing = land_path(
        paths, path, channel="cli", uploaded_by=args.by, claimed_programme_id=args.programme
    )
    landed = landing.landed
    data = None if landed.refused else read_landed(paths, landed.upload_id)
    result = check_file(landed, data)
    print(format_receipt(landed, result, is_new=landing.is_new))
    if args.now:
        return 0 if run_update() else 1
    print("\nFilen ligger i mottaket; sensoren laster den inn i varehuset (eller kjør `imdi run`).")
    return 0 if result.outcome != "rejected" else 3


def cmd_sql(args: argparse.Namespace) -> int:
    from pipelines.publish import connect_published

    con = connect_published(get_paths())
    try:
        relation = con.sql(args.query)
        if relation is None:
            return 0
        if args.csv:
            frame = relation.df()
            frame.to_csv(sys.stdout, index=False)
        else:
            relation.show(max_rows=args.max_rows, max_width=200)
    finally:
        con.close()
    return 0


def cmd_docs(_: argparse.Namespace) -> int:
    from pipelines.docs import write_contract_docs, write_data_dictionary

    print(f"Skrev {write_contract_docs(REPO_ROOT / 'docs' / 'contracts.md')}")
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    if not manifest.exists():
        prepare(get_paths())
    print(f"Skrev {write_data_dictionary(manifest, REPO_ROOT / 'docs' / 'data_dictionary.md')}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:
        from pipelines.bench import main as bench_main

        return bench_main(argv[1:])
    parser = argparse.ArgumentParser(
        prog="imdi", description="IMDis resultatvarehus for mentor- og traineeprogrammer."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="lag mapper og pseudonymnøkkel")
    sub.add_parser("prepare", help="bygg dbt-manifestet (dbt parse)")
    demo = sub.add_parser("demo", help="demodata gjennom hele løpet")
    demo.add_argument("--participants", type=int, default=None)
    demo.add_argument("--seed", type=int, default=2019)
    demo.add_argument("--reference-date", default="2020-06-30")
    upload = sub.add_parser("upload", help="last opp en fil til mottaket")
    upload.add_argument("file")
    upload.add_argument("--programme", required=True, help="Program-ID filen gjelder")
    upload.add_argument("--by", default=os.environ.get("USER"), help="hvem som laster opp")
    upload.add_argument("--now", action="store_true", help="oppdater varehuset med en gang")
    sub.add_parser("run", help="oppdater varehuset nå")
    report = sub.add_parser("report", help="lag kvartalsrapport")
    report.add_argument(
        "--quarter", default=None, help="f.eks. 2020-K2 (standard: siste hele kvartal)"
    )
    sql = sub.add_parser("sql", help="spørring mot den publiserte kopien")
    sql.add_argument("query")
    sql.add_argument("--csv", action="store_true")
    sql.add_argument("--max-rows", type=int, default=40)
    sub.add_parser("docs", help="skriv docs/contracts.md og docs/data_dictionary.md")
    portal_register(sub)
    sub.add_parser("bench", help="måling av ytelse (se docs/benchmarks.md)", add_help=False)
    args = parser.parse_args(argv)
    handled = portal_dispatch(args)
    if handled is not None:
        return handled

    if args.command == "init":
        init(get_paths())
        return 0
    if args.command == "prepare":
        prepare(get_paths())
        return 0
    if args.command == "run":
        return 0 if run_update() else 1
    if args.command == "report":
        from pipelines.config import reference_date
        from pipelines.partitions import latest_complete_quarter

        key = (
            quarter_key(args.quarter) if args.quarter else latest_complete_quarter(reference_date())
        )
        return 0 if run_report(key) else 1
    handlers = {"demo": cmd_demo, "upload": cmd_upload, "sql": cmd_sql, "docs": cmd_docs}
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
