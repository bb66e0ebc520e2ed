"""The upload portal against the real app and a real IMDI_HOME in tmp_path.

Sign-in with tokens (wrong, expired, revoked), programme isolation, every kind of bad file with
its Norwegian message, re-uploads and corrections, the audit log and the security headers.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from pipelines.checks.results import merge_results
from pipelines.ingest.landing import land_bytes, landed_files
from pipelines.ingest.raw_load import ingest_pending
from pipelines.ingest.receipt import LOADING_NB
from pipelines.portal import commands
from pipelines.portal.app import create_app
from pipelines.portal.audit import read_events
from pipelines.portal.tokens import TokenStore, hash_token
from pipelines.settings import Paths, Settings
from pipelines.warehouse.publish import publish
from pipelines.warehouse.raw import connect
from tests.helpers import FOLLOWUP_HEADER_NB, csv_bytes, followup_row, xlsx_bytes

PROGRAMME = "MENTOR-OSLO"
HEADER = [*FOLLOWUP_HEADER_NB, "Trukket"]


def row(ref: str, horizon: int = 6, status: str = "i jobb", withdrawn: str | None = None, **kw):
    if status != "i jobb":
        kw = {"relevance": None, "pct": None, "contract": None, **kw}
    return [*followup_row(ref, horizon=horizon, status=status, **kw), withdrawn]


def followups(*rows: list[object]) -> bytes:
    return csv_bytes([HEADER, *rows])


@pytest.fixture
def paths(home: Path) -> Paths:
    return Settings.from_env().paths.ensure()


@pytest.fixture
def client(paths: Paths) -> TestClient:
    return TestClient(create_app(Settings.from_env()))


@pytest.fixture
def token(paths: Paths) -> str:
    return TokenStore(paths).issue(PROGRAMME)[0]


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def sign_in(client: TestClient, token: str):
    page = client.get("/logg-inn")
    return client.post(
        "/logg-inn", data={"token": token, "csrf": csrf_of(page.text)}, follow_redirects=False
    )


@pytest.fixture
def signed_in(client: TestClient, token: str) -> TestClient:
    assert sign_in(client, token).status_code == 303
    return client


def upload(client: TestClient, data: bytes, name: str = "oppfolging.csv"):
    csrf = csrf_of(client.get("/oversikt").text)
    return client.post("/last-opp", data={"csrf": csrf}, files={"file": (name, data)})


def text_of(html: str) -> str:
    body = html.split("</header>", 1)[-1]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).replace("&nbsp;", " ")
    return re.sub(r" ([.,])", r"\1", text)


def events(paths: Paths, name: str) -> list[dict]:
    return [e for e in read_events(paths) if e["event"] == name]


def files_outside_landing_and_audit(paths: Paths) -> dict[str, int]:
    return {
        str(p.relative_to(paths.home)): p.stat().st_size
        for p in paths.home.rglob("*")
        if p.is_file() and p.relative_to(paths.home).parts[0] not in ("landing", "audit")
    }


# --- sign-in -------------------------------------------------------------------------------------


def test_valid_token_signs_in_to_the_programmes_overview(client, token, paths):
    response = sign_in(client, token)
    assert response.status_code == 303 and response.headers["location"] == "/oversikt"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert token not in cookie
    page = client.get("/oversikt")
    assert page.status_code == 200
    assert f"Oversikt for {PROGRAMME}" in text_of(page.text)
    assert "IMDi har ikke publisert varehuset ennå" in text_of(page.text)
    [event] = events(paths, "sign_in_ok")
    assert event["programme_id"] == PROGRAMME and token not in json.dumps(event)


def test_tokens_are_stored_only_as_hashes(paths, token):
    stored = (paths.secrets / "tokens.json").read_text()
    assert token not in stored
    assert hash_token(token) in stored
    assert (paths.secrets / "tokens.json").stat().st_mode & 0o077 == 0


def test_wrong_token_is_refused_with_a_norwegian_message_and_logged(client, token, paths):
    response = sign_in(client, token + "x")
    assert response.status_code == 401
    assert "Opplastingskoden er ikke gyldig" in response.text
    assert client.get("/oversikt", follow_redirects=False).headers["location"] == "/logg-inn"
    [event] = events(paths, "sign_in_failed")
    assert event["reason"] == "unknown" and "token_id" not in event


def test_expired_token_is_refused(client, paths):
    past = datetime.now(UTC) - timedelta(days=40)
    token, record = TokenStore(paths).issue(PROGRAMME, days=30, now=past)
    response = sign_in(client, token)
    assert response.status_code == 401
    expired_on = datetime.fromisoformat(record.expires_at).strftime("%d.%m.%Y")
    assert f"Opplastingskoden gikk ut {expired_on}" in response.text
    [event] = events(paths, "sign_in_failed")
    assert (event["reason"], event["token_id"]) == ("expired", record.token_id)


def test_revoked_token_is_refused_and_revoking_ends_open_sessions(signed_in, token, paths):
    assert signed_in.get("/oversikt").status_code == 200
    TokenStore(paths).revoke(PROGRAMME)
    response = signed_in.get("/oversikt", follow_redirects=False)
    assert response.status_code == 303 and "grunn=trukket" in response.headers["location"]
    assert "trukket tilbake" in signed_in.get(response.headers["location"]).text
    refused = sign_in(signed_in, token)
    assert refused.status_code == 401
    assert "Opplastingskoden er trukket tilbake av IMDi" in refused.text
    assert events(paths, "sign_in_failed")[-1]["reason"] == "revoked"


def test_sign_in_without_the_forms_csrf_token_is_refused(client, token):
    client.get("/logg-inn")
    response = client.post("/logg-inn", data={"token": token, "csrf": "forged"})
    assert response.status_code == 403
    assert "Skjemaet var utløpt" in response.text


def test_a_tampered_session_cookie_is_not_a_session(signed_in):
    value = signed_in.cookies.get("imdi_portal")
    payload, signature = value.split(".")
    signed_in.cookies.set("imdi_portal", payload + "." + "0" * len(signature))
    assert signed_in.get("/oversikt", follow_redirects=False).status_code == 303


def test_pages_carry_security_headers(client):
    response = client.get("/logg-inn")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "<script" not in response.text


# --- uploads -------------------------------------------------------------------------------------


def test_upload_requires_sign_in_and_a_valid_csrf_token(client, signed_in, paths):
    anonymous = TestClient(create_app(Settings.from_env()))
    response = anonymous.post(
        "/last-opp", files={"file": ("a.csv", followups(row("A01")))}, follow_redirects=False
    )
    assert response.status_code == 303
    forged = signed_in.post(
        "/last-opp", data={"csrf": "x"}, files={"file": ("a.csv", followups(row("A01")))}
    )
    assert forged.status_code == 403
    assert landed_files(paths) == []


def test_good_file_gets_a_receipt_within_the_request(signed_in, paths):
    data = followups(row("A01"), row("A02", status="arbeidsledig"))
    response = upload(signed_in, data, "../../etc/passwd.csv")
    assert response.status_code == 200
    text = text_of(response.text)
    assert "Kvittering for «passwd.csv»" in text
    assert "godkjent" in text and "2 av 2 rader godkjent" in text
    assert "Nye oppfølginger: 2" in text
    [landed] = landed_files(paths)
    assert landed.channel == "portal" and landed.claimed_programme_id == PROGRAMME
    assert landed.uploaded_by.startswith(f"portal:{PROGRAMME}:")
    [event] = events(paths, "upload")
    assert event["upload_id"] == landed.upload_id and event["outcome"] == "accepted"


def test_rows_for_another_programme_are_rejected_and_logged(signed_in, paths):
    data = followups(row("A01"), row("B01", programme="ANNET-PROGRAM"))
    text = text_of(upload(signed_in, data).text)
    assert "delvis godkjent" in text
    assert (
        "Raden gjelder programmet «ANNET-PROGRAM», men filen er lastet opp for «MENTOR-OSLO»"
        in text
    )
    [event] = events(paths, "other_programme_rows")
    assert event["rows"] == [3] and event["named_programmes"] == ["ANNET-PROGRAM"]
    assert event["programme_id"] == PROGRAMME


def test_receipts_of_other_programmes_are_not_shown(signed_in, paths):
    other = land_bytes(
        paths,
        followups(row("X1", programme="ANNET")),
        "x.csv",
        "portal",
        claimed_programme_id="ANNET",
    )
    response = signed_in.get(f"/kvittering/{other.landed.upload_id}")
    assert response.status_code == 404
    assert "X1" not in response.text
    assert signed_in.get(f"/kvittering/{other.landed.upload_id}.csv").status_code == 404
    assert signed_in.get("/kvittering/..%2F..%2Fsecrets").status_code == 404


def test_the_same_bytes_sent_earlier_for_another_programme_are_not_taken_over(signed_in, paths):
    data = followups(row("A01"))
    land_bytes(paths, data, "a.csv", "cli", claimed_programme_id="ANNET")
    response = upload(signed_in, data)
    assert response.status_code == 409
    assert "allerede mottatt for et annet program" in response.text


def _with_member(workbook: bytes, name: str, data: bytes) -> bytes:
    """A copy of a workbook's ZIP with one more member."""
    buffer = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(workbook))
    with source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr(name, data)
    return buffer.getvalue()


def _macro_workbook() -> bytes:
    return _with_member(xlsx_bytes([HEADER, row("A01")]), "xl/vbaProject.bin", b"\xd0\xcf macro")


def _bomb() -> bytes:
    # 40 MB of zeros deflate to ~40 kB: far past intake's uncompressed/compressed ratio.
    return _with_member(xlsx_bytes([HEADER, row("A01")]), "xl/media/pad.xml", bytes(40 << 20))


def _formulas() -> bytes:
    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.append(HEADER)
    ws.append(row("A01"))
    ws.append(row("A02"))
    ws["I3"] = '=IF(TRUE,"i jobb","ukjent")'  # Status: no cached value, never computed
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


BAD_FILES = [
    # (id, bytes, file name, status, message, landed?)
    ("empty", lambda: b"", "tom.csv", 400, "Filen er tom.", False),
    ("only-blanks", lambda: b" \r\n \r\n", "blank.csv", 400, "Filen er tom.", False),
    ("pdf", lambda: b"%PDF-1.7\n...", "rapport.xlsx", 415, "Filen er en PDF", False),
    ("binary", lambda: b"\x00\x01\x02" * 100, "data.csv", 415, "ikke en tekstfil", False),
    (
        "legacy-xls",
        lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
        "gammel.xls",
        415,
        "gamle Excel-formatet",
        False,
    ),
    ("macros", _macro_workbook, "makro.xlsm", 415, "Filen inneholder makroer", False),
    (
        "thousands-of-columns",
        lambda: csv_bytes([[f"kolonne {i}" for i in range(5000)], ["x"] * 5000]),
        "bred.csv",
        200,
        "Filen har 5000 kolonner; høyst 200 er tillatt",
        True,
    ),
    (
        "broken-encoding",
        lambda: b"\xef\xbb\xbf" + ";".join(HEADER).encode() + b"\r\nMENTOR-OSLO;\xff\xfe\xc3\r\n",
        "feil-koding.csv",
        200,
        "Tegnkodingen i filen kan ikke leses",
        True,
    ),
    ("spreadsheet-bomb", _bomb, "bombe.xlsx", 200, "Filen avvises av sikkerhetshensyn", True),
    (
        "unknown-columns",
        lambda: csv_bytes([["Navn", "Adresse"], ["Ola", "Gate 1"]]),
        "feil.csv",
        200,
        "Fant ingen kjente kolonner",
        True,
    ),
]


@pytest.mark.parametrize(
    ("make", "name", "status", "message", "landed"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_bad_files_get_a_clear_norwegian_message_and_touch_nothing_else(
    signed_in, paths, make, name, status, message, landed
):
    before = files_outside_landing_and_audit(paths)
    response = upload(signed_in, make(), name)
    assert response.status_code == status
    assert message in text_of(response.text)
    assert files_outside_landing_and_audit(paths) == before
    assert len(landed_files(paths)) == (1 if landed else 0)
    if landed:
        text = text_of(response.text)
        assert "avvist" in text
        # A refused file is never said to be loaded; it says what to do next.
        assert LOADING_NB not in text and "venter på innlesing" not in text
        assert "I varehuset ingenting fra filen leses inn" in text
        assert "Neste steg: Ingenting fra filen leses inn i varehuset" in text
    else:
        [event] = events(paths, "upload_refused")
        assert event["programme_id"] == PROGRAMME and event["file_name"] == name


def test_a_file_over_the_size_limit_is_refused_while_streaming(token, paths, monkeypatch):
    monkeypatch.setenv("IMDI_MAX_UPLOAD_MB", "0,05")
    signed_in = TestClient(create_app(Settings.from_env()))
    assert sign_in(signed_in, token).status_code == 303
    before = files_outside_landing_and_audit(paths)
    big = followups(*[row(f"A{i:05d}") for i in range(1500)])
    assert len(big) > 0.05 * 1024 * 1024
    response = upload(signed_in, big)
    assert response.status_code == 413
    assert "Filen er for stor: høyst 0,05 MB er tillatt" in text_of(response.text)
    assert landed_files(paths) == []
    assert files_outside_landing_and_audit(paths) == before
    assert events(paths, "upload_refused")[0]["reason"] == "too_large"


def test_formula_cells_are_never_evaluated_and_the_receipt_says_so(signed_in, paths):
    response = upload(signed_in, _formulas(), "formler.xlsx")
    text = text_of(response.text)
    assert "Formler beregnes aldri" in text
    assert "rad 3, Status: ingen lagret verdi" in text
    assert "«Status» må fylles ut" in text  # the formula's result was not made up
    assert "1 av 2 rader godkjent" in text


def test_a_file_over_the_row_limit_is_refused_at_the_door(token, paths, monkeypatch):
    monkeypatch.setenv("IMDI_MAX_UPLOAD_ROWS", "3")
    signed_in = TestClient(create_app(Settings.from_env()))
    assert sign_in(signed_in, token).status_code == 303
    response = upload(signed_in, followups(*[row(f"A{i}") for i in range(4)]))
    assert response.status_code == 413
    assert "Filen har flere enn 3 rader; høyst 3 er tillatt i én fil." in text_of(response.text)
    assert landed_files(paths) == []
    assert events(paths, "upload_refused")[0]["reason"] == "too_many_rows"


def test_a_large_file_gets_a_receipt_grouped_by_rule_and_the_whole_list_to_download(
    signed_in, paths
):
    # 2 000 rows, each observed outside its window (horizon 6 after 30.11.2018: the window is
    # 15.04.2019–30.08.2019): 2 000 warnings; row 7 also has an unknown status, an error.
    rows = [row(f"D{i:04d}", observed="01.12.2019") for i in range(2000)]
    rows[5] = row("D0005", status="jobbing", observed="01.12.2019")
    response = upload(signed_in, followups(*rows), "stor.csv")
    assert response.status_code == 200
    text = text_of(response.text)
    assert "Rader 2000 i filen, 1999 godkjent, 1 avvist, 2000 advarsler" in text
    rules = re.findall(
        r'<article class="rule (\w+)" id="rule-\d+">(.*?)</article>', response.text, re.S
    )
    assert [kind for kind, _ in rules] == ["error", "warning"]
    warning = text_of(rules[1][1])
    assert "Observert dato (observed_on) – 2 000 rader" in warning.replace("\u00a0", " ")
    assert len(re.findall(r"<tr><td class=\"num\">", rules[1][1])) == 5  # five examples
    assert re.findall(r'<td class="num">(\d+)</td>', rules[1][1]) == ["2", "3", "4", "5", "6"]
    assert "… og 1 995 rader til." in warning.replace("\u00a0", " ")
    # The change table is cut short on the page; the downloads have everything.
    assert len(re.findall(r'<tr class="change-', response.text)) == 50
    assert "Viser de første 50 av 1 999 radene" in text.replace("\u00a0", " ")
    upload_id = landed_files(paths)[-1].upload_id
    listed = signed_in.get(f"/kvittering/{upload_id}.csv").content.decode("utf-8-sig").splitlines()
    # The header, the summary, 2001 findings (1 error, 2000 warnings) and 1999 changed rows.
    assert len(listed) == 1 + 1 + 2001 + 1999
    workbook = signed_in.get(f"/kvittering/{upload_id}.xlsx")
    assert workbook.headers["content-disposition"].endswith(f'kvittering-{upload_id[:12]}.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    values = list(sheet.values)
    assert values[0] == ("Rad", "Kolonne", "Verdi", "Alvorlighet", "Melding", "Regel (kode)")
    assert len(values) == 1 + 1 + 2001 + 1999
    assert sum(1 for v in values if v[3] == "advarsel") == 2000
    assert sum(1 for v in values if v[3] == "endring") == 1999


def test_national_identity_numbers_refuse_the_file_without_keeping_it(signed_in, paths):
    from tests.helpers import valid_national_id

    text = text_of(upload(signed_in, followups(row(valid_national_id()), row("A2"))).text)
    assert "avvist (fødselsnummer)" in text
    assert "Rader 2 i filen, 0 godkjent, 2 avvist, 0 advarsler" in text
    assert LOADING_NB not in text and "venter på innlesing" not in text
    assert "Filen er ikke lagret, og ingenting fra den leses inn" in text
    files = paths.landing / "files"
    assert not files.exists() or not any(files.iterdir())


# --- re-uploads, corrections, withdrawals -------------------------------------------------------


def test_identical_re_upload_is_recognised_and_changes_nothing(signed_in, paths):
    data = followups(row("A01"), row("A02"))
    first = text_of(upload(signed_in, data).text)
    assert "Nye oppfølginger: 2" in first
    again = text_of(upload(signed_in, data, "kopi.csv").text)
    assert "Denne filen er lastet opp før" in again and "Ingenting er endret i varehuset" in again
    assert "Dette endres i varehuset" not in again
    assert len(landed_files(paths)) == 1
    assert [e["is_new"] for e in events(paths, "upload")] == [True, False]


def _publish_what_is_landed(paths: Paths) -> None:
    """The raw layer of the real pipeline (ingest + publish), without dbt."""
    con = connect(paths.warehouse)
    try:
        ingest_pending(con, paths, b"test-key-not-secret")
    finally:
        con.close()
    publish(paths, [])


def test_corrections_new_rows_and_withdrawals_are_told_apart(signed_in, paths):
    upload(signed_in, followups(row("A01"), row("A02"), row("A03", status="arbeidsledig")))
    _publish_what_is_landed(paths)
    corrected = followups(
        row("A01"),  # unchanged
        row("A02", status="arbeidsledig"),  # correction
        row("A03", status="arbeidsledig", withdrawn="ja"),  # withdrawn
        row("A04"),  # new
    )
    response = upload(signed_in, corrected, "rettet.csv")
    text = text_of(response.text)
    assert "Nye oppfølginger: 1. Rettelser: 2. Uendret: 1. Trukket: 1." in text
    assert "Sammenlignet med det publiserte varehuset" in text
    changes = re.findall(r'<tr class="change-(\w+)">(.*?)</tr>', response.text, re.S)
    by_row = {
        int(re.search(r"\d+", cells).group()): (kind, text_of(cells)) for kind, cells in changes
    }
    assert by_row[2][0] == "unchanged"
    assert by_row[3][0] == "correction" and "Status" in by_row[3][1]
    assert "Stillingsprosent" in by_row[3][1] and "Ansettelsesform" in by_row[3][1]
    assert by_row[4][0] == "correction" and "rettelse, trukket" in by_row[4][1]
    assert "Trukket" in by_row[4][1]
    assert by_row[5][0] == "new"
    upload_id = landed_files(paths)[-1].upload_id
    csv_text = signed_in.get(f"/kvittering/{upload_id}.csv").content.decode("utf-8-sig")
    lines = csv_text.splitlines()
    assert lines[0] == "Rad;Kolonne;Verdi;Alvorlighet;Melding;Regel (kode)"
    assert any(line.startswith("3;(hele raden);") and ";rettelse" in line for line in lines)
    assert any(line.startswith("4;") and "rettelse, trukket" in line for line in lines)


def test_a_correction_waiting_for_the_warehouse_is_still_a_correction(signed_in, paths):
    upload(signed_in, followups(row("A01")))
    text = text_of(upload(signed_in, followups(row("A01", pct="50")), "ny.csv").text)
    assert "Rettelser: 1" in text
    assert "filer som venter på innlesing" in text


def test_overview_lists_the_programmes_uploads(signed_in, paths):
    upload(signed_in, followups(row("A01")), "første.csv")
    land_bytes(
        paths,
        followups(row("X1", programme="ANNET")),
        "annen.csv",
        "cli",
        claimed_programme_id="ANNET",
    )
    text = text_of(signed_in.get("/oversikt").text)
    assert "første.csv" in text and "venter på innlesing" in text
    assert "annen.csv" not in text
    _publish_what_is_landed(paths)
    text = text_of(signed_in.get("/oversikt").text)
    assert "første.csv portal godkjent 1 0" in text


def test_the_overview_never_says_a_rejected_upload_is_waiting_to_be_loaded(signed_in, paths):
    upload(signed_in, csv_bytes([["Navn", "Adresse"], ["Ola", "Gate 1"]]), "feil.csv")
    upload(signed_in, followups(row("A01")), "god.csv")
    text = text_of(signed_in.get("/oversikt").text)
    assert "feil.csv portal avvist – ingenting leses inn" in text
    assert "god.csv portal venter på innlesing" in text


def test_overview_flags_the_programmes_published_warnings_only(signed_in, paths):
    def entry(name: str, passed: bool, programmes: list[str]) -> dict:
        return {
            "check_name": name,
            "asset": "fct_followup_status",
            "severity": "WARN",
            "passed": passed,
            "description_nb": f"Beskrivelse av {name}.",
            "details": {"summary_nb": f"Sammendrag av {name}.", "programmes": programmes},
        }

    assert "Kvalitetsvarsler" not in signed_in.get("/oversikt").text
    merge_results(
        paths,
        [
            entry("followup_coverage_floor", False, ["P0", PROGRAMME.lower()]),
            entry("overdue_share", False, ["ANNET"]),
            entry("attainment_shares_plausible", True, []),
        ],
    )
    text = text_of(signed_in.get("/oversikt").text)
    assert f"Kvalitetsvarsler for {PROGRAMME}" in text
    assert "Beskrivelse av followup_coverage_floor." in text
    assert "(followup_coverage_floor)" in text
    assert "overdue_share" not in text and "attainment_shares_plausible" not in text


def test_template_download_is_for_the_signed_in_programme(signed_in, paths):
    response = signed_in.get("/mal.xlsx")
    assert response.status_code == 200
    assert f'filename="oppfolging-{PROGRAMME}.xlsx"' in response.headers["content-disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[0] == "Oppfølging"
    assert events(paths, "template_download")[0]["programme_id"] == PROGRAMME


# --- the command line ---------------------------------------------------------------------------


def test_token_commands_issue_list_and_revoke(paths, capsys):
    import argparse

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    commands.register(sub)
    settings = Settings.from_env()

    def dispatch(argv: list[str]) -> int | None:
        return commands.dispatch(parser.parse_args(argv), settings)

    assert dispatch(["token", "issue", "--programme", PROGRAMME]) == 0
    token = re.search(r"imdi_\S+", capsys.readouterr().out).group()
    assert TokenStore(paths).verify(token).programme_id == PROGRAMME
    assert dispatch(["token", "list"]) == 0
    listed = capsys.readouterr().out
    assert PROGRAMME in listed and "aktiv" in listed and token not in listed
    assert dispatch(["token", "revoke", "--programme", PROGRAMME]) == 0
    assert dispatch(["token", "list"]) == 0
    assert "trukket tilbake" in capsys.readouterr().out
    assert dispatch(["token", "issue", "--programme", "../x"]) == 2
    assert commands.dispatch(argparse.Namespace(command="upload"), settings) is None
    assert [e["event"] for e in read_events(paths)] == ["token_issued", "token_revoked"]


# --- with the real pipeline ---------------------------------------------------------------------


@pytest.mark.integration
def test_correction_is_recognised_after_the_warehouse_is_updated(signed_in, paths):
    from pipelines.defs.run import run_update
    from tests.fixture_files import register_xlsx

    # IMDi's programme register comes first: publishing is blocked for unregistered programmes.
    land_bytes(paths, register_xlsx(), "register.xlsx", "cli")
    first = followups(
        row("A01", horizon=0, observed="30.11.2018"),
        row("A01", horizon=6),
        row("A02", horizon=6, status="arbeidsledig"),
    )
    upload(signed_in, first, "første.csv")
    assert run_update(Settings.from_env()), "the update_warehouse job failed"
    overview = text_of(signed_in.get("/oversikt").text)
    assert "første.csv portal godkjent 3 0" in overview
    # Two participants of cohort 2018-1; reference date 30.06.2020, so every horizon is due.
    assert re.search(r"2018-1 \d+ 2 0 01\.02\.2018 30\.11\.2018", overview), overview
    assert "Forfalte oppfølginger" in overview and "ingen forfalte" not in overview.lower()
    response = upload(signed_in, followups(row("A02", horizon=6)), "rettelse.csv")
    text = text_of(response.text)
    assert "Rettelser: 1" in text and "Sammenlignet med det publiserte varehuset" in text
    assert "rettelse.csv portal venter på innlesing" in text_of(signed_in.get("/oversikt").text)
