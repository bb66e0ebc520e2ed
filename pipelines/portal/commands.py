"""`imdi portal` and `imdi token`: run the upload portal and manage programme upload tokens.

Wired into ``pipelines/cli.py`` with ``register(sub)`` before parsing and
``dispatch(args, settings)`` after. Imports stay inside the handlers, so the CLI starts fast and
never loads FastAPI for other commands.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime

from pipelines.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    portal = subparsers.add_parser("portal", help="start opplastingsportalen for programmene")
    portal.add_argument("--host", default="127.0.0.1", help="adresse (standard: 127.0.0.1)")
    portal.add_argument("--port", type=int, default=8000, help="port (standard: 8000)")

    token = subparsers.add_parser("token", help="opplastingskoder for programmene")
    actions = token.add_subparsers(dest="token_command", required=True)
    issue = actions.add_parser("issue", help="lag en ny kode for et program (vises én gang)")
    issue.add_argument("--programme", required=True, help="Program-ID")
    issue.add_argument("--days", type=int, default=180, help="gyldighet i dager (standard: 180)")
    revoke = actions.add_parser("revoke", help="trekk tilbake alle koder for et program")
    revoke.add_argument("--programme", required=True, help="Program-ID")
    actions.add_parser("list", help="vis alle koder (uten selve kodene)")


def dispatch(args: argparse.Namespace, settings: Settings) -> int | None:
    """Run one of this module's commands; None if the command belongs to someone else."""
    command = getattr(args, "command", None)
    if command == "portal":
        return run_portal(settings, args.host, args.port)
    if command == "token":
        return run_token(settings, args)
    return None


def run_portal(settings: Settings, host: str, port: int) -> int:
    import uvicorn

    from pipelines.portal.app import create_app

    paths = settings.paths.ensure()
    print(f"Opplastingsportalen: http://{host}:{port}/  (IMDI_HOME={paths.home})")
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(
            "Merk: portalen bør stå bak en HTTPS-proxy når den er tilgjengelig utenfra.",
            file=sys.stderr,
        )
    uvicorn.run(create_app(settings), host=host, port=port, proxy_headers=False, log_level="info")
    return 0


def run_token(settings: Settings, args: argparse.Namespace) -> int:
    from pipelines.portal.audit import log_event
    from pipelines.portal.tokens import TokenStore

    paths = settings.paths
    store = TokenStore(paths)
    who = _operator()
    if args.token_command == "issue":
        try:
            token, record = store.issue(args.programme, days=args.days, issued_by=who)
        except ValueError as error:
            print(error, file=sys.stderr)
            return 2
        log_event(
            paths,
            "token_issued",
            programme_id=record.programme_id,
            token_id=record.token_id,
            expires_at=record.expires_at,
            by=who,
        )
        print(f"Ny opplastingskode for {record.programme_id} (id {record.token_id}),")
        print(f"gyldig til {datetime.fromisoformat(record.expires_at):%d.%m.%Y}:")
        print()
        print(f"  {token}")
        print()
        print("Koden vises bare nå; IMDi lagrer bare en hash av den. Send den til programmet")
        print("på en sikker måte. Trekk den tilbake med `imdi token revoke --programme ID`.")
        return 0
    if args.token_command == "revoke":
        revoked = store.revoke(args.programme)
        for record in revoked:
            log_event(
                paths,
                "token_revoked",
                programme_id=record.programme_id,
                token_id=record.token_id,
                by=who,
            )
        if not revoked:
            print(f"Ingen aktive koder for {args.programme}.")
            return 1
        ids = ", ".join(r.token_id for r in revoked)
        print(f"Trakk tilbake {len(revoked)} kode(r) for {args.programme}: {ids}")
        return 0
    now = datetime.now(UTC)
    state_nb = {"active": "aktiv", "expired": "utløpt", "revoked": "trukket tilbake"}
    records = store.records()
    if not records:
        print("Ingen opplastingskoder er utstedt.")
        return 0
    print(f"{'id':<13} {'program':<24} {'utstedt':<11} {'utløper':<11} status")
    for r in sorted(records, key=lambda r: (r.programme_id.upper(), r.issued_at)):
        issued = datetime.fromisoformat(r.issued_at)
        expires = datetime.fromisoformat(r.expires_at)
        print(
            f"{r.token_id:<13} {r.programme_id:<24} {issued:%d.%m.%Y}  {expires:%d.%m.%Y}  "
            f"{state_nb[r.state(now)]}"
        )
    return 0


def _operator() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None
