"""A new Gemeindeverzeichnis edition as a reviewable change set: a preview
of added, removed and renamed keys and the offers they touch, successions confirmed by a data
manager, approval applying it, offers following an unambiguous successor, and a later seed
that never turns the areas back. The edition is the shipped one written in the GV100AD format
and changed as a real merger would change it: Ladelund and Karlum (Amt Südtondern) merge."""
from datetime import date

import pytest

from app.areas import gv100ad, seed
from app.areas.seed import seed_areas
from app.cli import main

from .catalog_helpers import API, offer, organisation
from .conftest import SEED_DIR
from .gv100ad_file import edition
from .helpers import assert_problem
from .web_helpers import post_form, sign_in, text, web_user

MELDE = "meldebescheinigung"
LADELUND, KARLUM, MERGED, BRAMSTEDTLUND = "01054073", "01054062", "01054999", "01054018"
DAY = date(2026, 12, 31)
IMPORTS = f"{API}/area-imports"


def merged_edition():
    return edition(DAY, drop={LADELUND, KARLUM},
                   add=[(MERGED, "010545489999", "Karlund")],
                   rename={BRAMSTEDTLUND: "Bramstedtlund, Neu"})


def upload(client, headers, body):
    return client.post(IMPORTS, data=body.encode(),
                       headers={**headers, "Content-Type": "text/plain"})


@pytest.fixture
def offers_on_both(client, dm):
    for code, key in (("ladelund", LADELUND), ("karlum", KARLUM)):
        organisation(client, dm, code)
        offer(client, dm, MELDE, [key], provider=code, valid_from="2020-01-01")


def test_the_parser_reads_exactly_what_the_seed_loads():
    _, rows = gv100ad.parse(edition(seed.GEBIETSSTAND), seed.SOURCE_GV100AD)
    shipped = [r for r in seed.build_area_rows(SEED_DIR) if r[13] == "current"]
    assert sorted(rows) == sorted(shipped)


def test_an_edition_is_previewed_and_changes_nothing_until_approved(client, dm,
                                                                    offers_on_both):
    r = upload(client, dm, merged_edition())
    assert r.status_code == 201, r.get_data(as_text=True)
    change = r.json
    assert change["edition"] == "2026-12-31" and change["previous_edition"] == "2025-11-30"
    preview = change["preview"]
    assert [a["key"] for a in preview["added"]] == [MERGED]
    assert [a["key"] for a in preview["removed"]] == [KARLUM, LADELUND]
    assert [(a["key"], a["before"]) for a in preview["renamed"]] == [
        (BRAMSTEDTLUND, "Bramstedtlund")]
    assert preview["suggested_successors"][LADELUND] == [MERGED]
    assert {o["provider"] for o in change["offers_touched"]} == {"ladelund", "karlum"}
    # Nothing applied yet.
    assert client.get(f"{API}/municipalities/{LADELUND}").json["status"] == "current"
    # One change set at a time.
    assert_problem(upload(client, dm, merged_edition()), 409)


def test_confirming_approving_and_offers_following(client, conn, dm, offers_on_both):
    code = upload(client, dm, merged_edition()).json["code"]
    bad = client.patch(f"{IMPORTS}/{code}", headers={**dm, "If-Match": '"v1"'}, json={
        "successions": [{"predecessor": BRAMSTEDTLUND, "successor": MERGED}]})
    assert assert_problem(bad, 422)["errors"][0]["name"] == "successions[0].predecessor"
    confirmed = client.patch(f"{IMPORTS}/{code}", headers={**dm, "If-Match": '"v1"'}, json={
        "successions": [{"predecessor": p, "successor": MERGED, "effective_on": "2026-07-01"}
                        for p in (LADELUND, KARLUM)]})
    assert confirmed.status_code == 200 and confirmed.json["version"] == 2
    # Approval is of what was reviewed: the stale version is refused.
    assert_problem(client.post(f"{IMPORTS}/{code}/approve",
                               headers={**dm, "If-Match": '"v1"'}), 412)
    approved = client.post(f"{IMPORTS}/{code}/approve", headers={**dm, "If-Match": '"v2"'})
    assert approved.status_code == 200 and approved.json["status"] == "approved"
    # The edition is in force: the old keys retired, the new one current, dated.
    old = client.get(f"{API}/municipalities/{LADELUND}").json
    assert old["status"] == "retired" and old["valid_to"] == "2026-07-01"
    assert client.get(f"{API}/municipalities/{BRAMSTEDTLUND}").json["name"] == \
        "Bramstedtlund, Neu"
    # One offer followed the successor; the other would overlap and stays (coverage).
    answer = client.get(f"{API}/competence", query_string={
        "evidence_type": MELDE, "ags": MERGED}).json
    assert answer["provider"]["code"] in ("ladelund", "karlum")
    followed = conn.execute("SELECT count(*) AS n FROM audit_log "
                            "WHERE action = 'offer.follow-succession'").fetchone()["n"]
    assert followed == 1
    report = client.get(f"{API}/coverage", query_string={"evidence_type": MELDE},
                        headers=dm).json
    assert {o["area_key"] for o in report["offers_on_retired_areas"]} == {LADELUND, KARLUM}
    # Before it existed, the merged key names both predecessors.
    body = assert_problem(client.get(f"{API}/competence", query_string={
        "evidence_type": MELDE, "ags": MERGED, "at": "2026-06-30"}), 409)
    assert {c["ags"] for c in body["candidates"]} == {LADELUND, KARLUM}
    # A later seed keeps the newer edition.
    seed_areas(conn, SEED_DIR)
    assert client.get(f"{API}/municipalities/{LADELUND}").json["status"] == "retired"
    assert client.get(f"{API}/municipalities/{BRAMSTEDTLUND}").json["name"] == \
        "Bramstedtlund, Neu"


def test_what_is_refused(client, dm, login):
    assert_problem(upload(client, dm, "kein Gemeindeverzeichnis\n"), 422)
    assert_problem(upload(client, dm, edition(seed.GEBIETSSTAND)), 409)  # not newer
    assert upload(client, login("provider_admin", org="kba"), merged_edition()).status_code \
        == 403
    code = upload(client, dm, merged_edition()).json["code"]
    rejected = client.post(f"{IMPORTS}/{code}/reject", json={"reason": "falsche Datei"},
                           headers={**dm, "If-Match": '"v1"'})
    assert rejected.json["status"] == "rejected"
    assert client.get(f"{API}/municipalities/{LADELUND}").json["status"] == "current"


def test_the_command_and_the_web_page(app, client, conn, tmp_path, offers_on_both):
    path = tmp_path / "GV100AD_31122026.txt"
    path.write_text(merged_edition(), encoding="utf-8")
    result = app.test_cli_runner().invoke(main, ["areas", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 added, 2 removed, 1 renamed" in result.output
    code = result.output.split()[2].rstrip(":")
    sign_in(client, web_user(conn, "data_manager"))
    page = text(client.get(f"/gebietsstaende/{code}"))
    assert "Karlund" in page and "Betroffene Angebote (2)" in page
    r = post_form(client, f"/gebietsstaende/{code}", {
        "seen": "v1", "action": "confirm",
        "successions": f"{LADELUND} {MERGED} 2026-07-01\n{KARLUM} {MERGED} 2026-07-01"})
    assert r.status_code == 303, text(r)[:2000]
    r = post_form(client, f"/gebietsstaende/{code}", {"seen": "v2", "action": "approve"})
    assert r.status_code == 303, text(r)[:2000]
    assert "approved" in text(client.get(f"/gebietsstaende/{code}"))
