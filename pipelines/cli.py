"""`imdi`: the command line for IMDi staff and for the two README commands.

imdi prepare                 build dbt's manifest and the local folders (set-up)
imdi demo                    demo data -> full pipeline -> published warehouse -> report
imdi upload FILE --programme ID   land a file and print its receipt
imdi run                     bring the warehouse up to date (the sensor's job, in-process)
imdi report [--quarter 2020-K2]   render a quarter's report
imdi sql "select ..."        query the published copy (read-only)
imdi docs                    regenerate docs/contracts.md, docs/data_dictionary.md and the dbt lists
imdi portal | token ...      the upload portal and programme upload tokens
imdi bench                   benchmarks (benchmarks/, outside the product package)

The settings are read from the environment once, here, and passed down.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from time import perf_counter
from time import time as time_now

from pipelines.portal.commands import dispatch as portal_dispatch
from pipelines.portal.commands import register as portal_register
from pipelines.settings import DBT_PROJECT_DIR, REPO_ROOT, Settings

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


def init(settings: Settings) -> None:
    settings.paths.ensure()
    settings.ensure_key()
    if settings.dagster_home is not None:
        settings.dagster_home.mkdir(parents=True, exist_ok=True)
        config = settings.dagster_home / "dagster.yaml"
        if not config.exists():
            config.write_text(DAGSTER_YAML)


def prepare(settings: Settings) -> None:
    """dbt's manifest for dagster-dbt, built by `dbt parse` (opens no database)."""
    from pipelines.warehouse.dbt import parse

    init(settings)
    parse(settings)


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Demo data through the whole pipeline, told in one screen: a line per stage with counts
    and seconds, the quarter's key figures, where everything is. dbt's and Dagster's own logs
    go to ``<IMDI_HOME>/logs/demo-<time>.log`` (``-v``: shown live instead)."""
    from pipelines.defs.run import instance_for, run_report, run_update
    from pipelines.demo import generate
    from pipelines.demo.story import (
        Check,
        captured_output,
        checks_text,
        continuation_line,
        key_figure_lines,
        number,
        seconds,
        shown_path,
        stage_line,
        validated_text,
    )
    from pipelines.ingest.landing import land_path
    from pipelines.quarters import latest_complete_quarter, quarter_end, quarter_label

    reference = date.fromisoformat(args.reference_date)
    # The demo's world ends on its reference date; due and overdue are judged against it.
    settings = settings.replace(reference_date=settings.reference_date or reference)
    paths = settings.paths
    init(settings)
    key = latest_complete_quarter(reference + timedelta(days=1))
    label = quarter_label(key)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log_path = None if args.verbose else paths.home / "logs" / f"demo-{stamp}.log"
    started = perf_counter()
    with captured_output(log_path) as out:

        def say(line: str = "") -> None:
            print(line, file=out, flush=True)

        say(
            f"IMDi-demo: demodata gjennom hele løpet, kvartalsrapport {label} "
            f"(demoens dato {reference:%d.%m.%Y})"
        )
        clock = perf_counter()
        demo_dir = paths.home / "demo-files"
        manifest = generate(
            demo_dir,
            participants=args.participants,
            seed=args.seed,
            reference_date=reference,
            pseudonym_key=settings.key(),  # for the register extract (issue 14)
        )
        rows = sum(item.rows for item in manifest.files)
        say(
            stage_line(
                "generated",
                f"{len(manifest.files)} filer (Excel og CSV), {number(rows)} rader, "
                f"{manifest.programmes} programmer, {number(manifest.participants)} deltakere",
                perf_counter() - clock,
            )
        )
        clock = perf_counter()
        new = 0
        for item in manifest.files:
            arrived = item.arrived_on
            if not isinstance(arrived, datetime):
                arrived = datetime.combine(arrived, time(12, 0))
            new += land_path(
                paths, Path(item.path), channel="demo", received_at=arrived.replace(tzinfo=UTC)
            ).is_new
        say(
            stage_line(
                "landed",
                f"{new} nye filer i mottaket ({shown_path(paths.landing)}), "
                f"{len(manifest.files) - new} kjent fra før",
                perf_counter() - clock,
            )
        )
        level = "DEBUG" if log_path is not None else "INFO"
        instance = instance_for(settings)
        update_started = time_now()
        update = run_update(settings, instance, log_level=level)
        steps = update.step_seconds
        ingest = update.materialized.get("raw_uploads", {})
        if "raw_tables" in steps:
            first, *rest = validated_text(ingest)
            say(stage_line("validated", first, steps.get("raw_tables")))
            for line in rest:
                say(continuation_line(line))
        dbt_checks = [
            Check(c.name, c.passed, c.severity)
            for c in update.checks
            if c.step == "warehouse_models"
        ]
        if "warehouse_models" in steps:
            models = [
                k
                for k in update.materialized
                if k not in ("landing_zone", "published_warehouse") and not k.startswith("raw_")
            ]
            first, *rest = checks_text(dbt_checks, "tester")
            say(
                stage_line(
                    "dbt", f"{len(models)} modeller bygget; {first}", steps["warehouse_models"]
                )
            )
            for line in rest:
                say(continuation_line(line))
        if not update:
            from pipelines.checks.gate import explain_failed_update

            say()
            say("Oppdateringen av varehuset feilet:")
            for line in explain_failed_update(paths, update.failed_steps, update_started, None):
                say("  " + line)
            if log_path is not None:
                say(f"Hele loggen: {shown_path(log_path)}")
            return 1
        published = update.materialized.get("published_warehouse", {})
        size = int(published.get("size_bytes", 0)) / 1e6
        say(
            stage_line(
                "published",
                f"{shown_path(paths.published)} ({f'{size:.1f}'.replace('.', ',')} MB, skrivebeskyttet kopi)",
                steps.get("published_warehouse"),
            )
        )
        # The quality checks run on the published copy, after publication (docs/quality.md).
        quality = [
            Check(c.name, c.passed, c.severity) for c in update.checks if c.step == "quality_checks"
        ]
        if "quality_checks" in steps:
            first, *rest = checks_text(quality, "kontroller")
            say(stage_line("checks", first, steps["quality_checks"]))
            for line in rest:
                say(continuation_line(line))
        report = run_report(settings, key, instance, log_level=level)
        if not report:
            say()
            say(f"Kvartalsrapporten {label} feilet:")
            for failure in report.failures[:5]:
                say("  " + failure.splitlines()[0][:200])
            if log_path is not None:
                say(f"Hele loggen: {shown_path(log_path)}")
            return 1
        written = report.materialized.get("quarterly_report", {})
        say(
            stage_line(
                "report",
                f"{label} per {quarter_end(key):%d.%m.%Y}: HTML og Excel, "
                f"{number(written.get('suppressed_cells', 0))} celler skjermet (små tall)",
                report.step_seconds.get("quarterly_report"),
            )
        )
        warnings = len(update.warnings) + len(report.warnings)
        say(
            f"  Ferdig på {seconds(perf_counter() - started)}"
            + (f", {warnings} advarsler i loggen" if warnings else ", ingen advarsler")
        )
        say()
        for line in key_figure_lines(
            written.get("key_figures") or [], f"Nøkkeltall {label}, alle programmer"
        ):
            say(line)
        say()
        report_dir = paths.reports / label
        say("Her er alt:")
        for what, where in (
            ("Kvartalsrapport (HTML, skrives ut på A4)", report_dir / "kvartalsrapport.html"),
            ("Samme tabeller og alle kull i Excel", report_dir / "kvartalsrapport.xlsx"),
            ("Datakvalitet (virker uten nett)", paths.quality / "index.html"),
            ("Varehuset for analytikere (lesetilgang)", paths.published),
        ):
            say(f"  {what + ':':<42}{shown_path(where)}")
        say(f'  {"Spørring:":<42}.venv/bin/imdi sql "select * from fct_attainment limit 10"')
        say(f"  {'Dagster-UI:':<42}make dev  (IMDI_REFERENCE_DATE={reference.isoformat()})")
        if log_path is not None:
            say(f"  {'Full logg fra dbt og Dagster:':<42}{shown_path(log_path)}")
    return 0


def cmd_upload(args: argparse.Namespace, settings: Settings) -> int:
    """Land one file and print its receipt (at most 60 lines); the whole list of findings is
    written to ``<IMDI_HOME>/receipts/<upload id>.csv`` and ``.xlsx``. Exit 0: rows will be
    loaded; 3: nothing from the file will be."""
    from pipelines.ingest.receipt import format_door_refusal, format_receipt, outcome_of
    from pipelines.ingest.receipt_files import write_receipt_files
    from pipelines.ingest.upload import Limits, receive, too_large

    init(settings)
    path = Path(args.file)
    if not path.is_file():
        print(f"Fant ikke filen {path}", file=sys.stderr)
        return 2
    limits = Limits.of(settings)
    if path.stat().st_size > limits.max_bytes:  # refused before a byte is read
        print(format_door_refusal(path.name, too_large(limits).message_nb))
        return 3
    received = receive(
        settings.paths,
        path.read_bytes(),
        path.name,
        channel="cli",
        limits=limits,
        uploaded_by=args.by or settings.user,
        claimed_programme_id=args.programme,
    )
    if received.landing is None:
        print(format_door_refusal(path.name, received.result.file_error.message_nb))
        return 3
    landed, result = received.landing.landed, received.result
    files = write_receipt_files(settings.paths, landed, result)
    print(format_receipt(landed, result, is_new=received.landing.is_new, files=files))
    loaded = outcome_of(landed, result) in ("accepted", "partly_accepted")
    if args.now and loaded:
        return 0 if update(settings) else 1
    return 0 if loaded else 3


def update(settings: Settings, instance=None) -> bool:
    """The update job in this process; when it is not published, one Norwegian line per
    failed blocking check on stderr and the full log (stack traces) in IMDI_HOME/logs."""
    import time as clock

    from pipelines.checks.gate import explain_failed_update
    from pipelines.defs.run import run_update

    log = settings.paths.logs / f"run-{datetime.now(UTC):%Y%m%dT%H%M%S}.log"
    started = clock.time()
    outcome = run_update(settings, instance, log=log)
    if not outcome:
        for line in explain_failed_update(settings.paths, outcome.failed_steps, started, log):
            print(line, file=sys.stderr)
    return outcome.success


def cmd_run(_: argparse.Namespace, settings: Settings) -> int:
    return 0 if update(settings) else 1


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.defs.run import run_report
    from pipelines.quarters import latest_complete_quarter, quarter_key

    key = quarter_key(args.quarter) if args.quarter else latest_complete_quarter(settings.today())
    outcome = run_report(settings, key, languages=(args.lang,))
    if outcome:
        written = outcome.materialized.get("quarterly_report", {})
        print(written.get(f"html_{args.lang}", ""))
    return 0 if outcome else 1


def cmd_sql(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.warehouse.publish import connect_published

    con = connect_published(settings.paths)
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


def cmd_docs(_: argparse.Namespace, settings: Settings) -> int:
    from pipelines.docs import (
        DBT_CONTRACT_MACROS,
        write_contract_docs,
        write_data_dictionary,
        write_dbt_contract_macros,
    )

    print(f"Skrev {write_dbt_contract_macros(REPO_ROOT / DBT_CONTRACT_MACROS)}")
    print(f"Skrev {write_contract_docs(REPO_ROOT / 'docs' / 'contracts.md')}")
    prepare(settings)  # the manifest, parsed again with the macros just written
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    print(f"Skrev {write_data_dictionary(manifest, REPO_ROOT / 'docs' / 'data_dictionary.md')}")
    return 0


def parser() -> argparse.ArgumentParser:
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
    demo.add_argument(
        "-v", "--verbose", action="store_true", help="vis loggene fra dbt og Dagster underveis"
    )
    upload = sub.add_parser("upload", help="last opp en fil til mottaket")
    upload.add_argument("file")
    upload.add_argument("--programme", required=True, help="Program-ID filen gjelder")
    upload.add_argument("--by", default=None, help="hvem som laster opp (standard: $USER)")
    upload.add_argument("--now", action="store_true", help="oppdater varehuset med en gang")
    sub.add_parser("run", help="oppdater varehuset nå")
    report = sub.add_parser("report", help="lag kvartalsrapport")
    report.add_argument(
        "--quarter", default=None, help="f.eks. 2020-K2 (standard: siste hele kvartal)"
    )
    report.add_argument(
        "--lang",
        choices=["nb", "en"],
        default="nb",
        help="språk: nb (kvartalsrapport.html) eller en (quarterly-report.html)",
    )
    sql = sub.add_parser("sql", help="spørring mot den publiserte kopien")
    sql.add_argument("query")
    sql.add_argument("--csv", action="store_true")
    sql.add_argument("--max-rows", type=int, default=40)
    sub.add_parser("docs", help="skriv docs/contracts.md og docs/data_dictionary.md")
    portal_register(sub)
    sub.add_parser("bench", help="måling av ytelse (se docs/benchmarks.md)", add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:
        # The benchmark is a tool beside the product (benchmarks/), loaded only when asked for.
        return importlib.import_module("benchmarks.bench").main(argv[1:])
    args = parser().parse_args(argv)
    settings = Settings.from_env()
    handled = portal_dispatch(args, settings)
    if handled is not None:
        return handled
    if args.command == "init":
        init(settings)
        return 0
    if args.command == "prepare":
        prepare(settings)
        return 0
    handlers = {
        "demo": cmd_demo,
        "upload": cmd_upload,
        "run": cmd_run,
        "report": cmd_report,
        "sql": cmd_sql,
        "docs": cmd_docs,
    }
    return handlers[args.command](args, settings)


if __name__ == "__main__":
    sys.exit(main())
