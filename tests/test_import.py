"""Bulk import of offers: per-row errors, all or nothing."""
import pytest

from app.cli import main

from .catalog_helpers import API, evidence_type, offer, organisation
from .helpers import assert_problem

HEADER = "provider,evidence_type,areas,service_id,endpoint_url,valid_from,valid_to\n"


@pytest.fixture
def land(client, dm):
    evidence_type(client, dm, "melde")
    organisation(client, dm, "amt-a")
    organisation(client, dm, "amt-b")


def post(client, headers, text, **params):
    return client.post(f"{API}/offers/import", data=text.encode(), query_string=params,
                       headers={**headers, "Content-Type": "text/csv"})


def offers_of(client, dm, provider):
    return client.get(f"{API}/offers", headers=dm, query_string={"provider": provider}).json


def test_import_writes_every_row(client, dm, land):
    text = HEADER + "amt-a,melde,010545489,urn:a,https://a.example,,\n" \
                    "amt-b,melde,01054001;01054002,urn:b,https://b.example,2026-01-01,\n"
    r = post(client, dm, text)
    assert r.status_code == 200 and r.json["rows"] == 2 and len(r.json["created"]) == 2
    b = offers_of(client, dm, "amt-b")["items"][0]
    assert b["areas"] == ["01054001", "01054002"] and b["valid_from"] == "2026-01-01"
    history = client.get(f"{API}/offers/{b['code']}/history", headers=dm).json["items"]
    assert history[0]["action"] == "offer.create"


def test_dry_run_checks_and_writes_nothing(client, dm, land, nothing_written):
    with nothing_written():
        r = post(client, dm, HEADER + "amt-a,melde,01,urn:a,https://a.example,,\n",
                 dry_run="true")
        assert r.json == {"dry_run": True, "rows": 1, "created": []}


def test_every_bad_row_is_reported_and_nothing_is_written(client, dm, land, nothing_written):
    offer(client, dm, "melde", ["03241"], provider="amt-a")
    text = HEADER + (
        "amt-a,melde,01,urn:ok,https://ok.example,,\n"            # fine on its own
        "amt-x,melde,02,urn:x,https://x.example,,\n"              # unknown provider
        "amt-b,melde,0999,urn:y,https://y.example,,\n"            # malformed area key
        "amt-b,melde,03241,urn:z,https://z.example,,\n"           # overlaps an active offer
        "amt-b,melde,01,urn:w,https://w.example,,\n"              # overlaps row 2
        "amt-b,melde,05,urn:v,not-a-url,2026-02-01,2026-01-01\n")  # url, validity
    with nothing_written():
        body = assert_problem(post(client, dm, text), 422, "validation-error")
    named = {e["name"] for e in body["errors"]}
    assert {"row 3: provider", "row 4: areas.0", "row 5: areas", "row 6: areas",
            "row 7: endpoint_url"} <= named
    assert body["error_count"] == len(body["errors"])
    assert not any(name.startswith("row 2") for name in named)


def test_wrong_header_and_wrong_media_type(client, dm, land):
    body = assert_problem(post(client, dm, "provider,areas\namt-a,01\n"), 422)
    assert body["errors"][0]["name"] == "header"
    r = client.post(f"{API}/offers/import", json={"rows": []}, headers=dm)
    assert_problem(r, 415)


def test_only_curators_import(client, login, land, nothing_written):
    provider = login("provider_admin", "amt-a")
    with nothing_written():
        assert_problem(post(client, provider,
                            HEADER + "amt-a,melde,01,urn:a,https://a.example,,\n"), 403)


def test_cli_import_and_dry_run(app, client, dm, land, tmp_path):
    path = tmp_path / "offers.csv"
    path.write_text(HEADER + "amt-a,melde,01,urn:a,https://a.example,,\n", encoding="utf-8")
    runner = app.test_cli_runner()
    dry = runner.invoke(main, ["offers", "import", str(path), "--dry-run"])
    assert dry.exit_code == 0 and "would import 1 offers" in dry.output
    assert offers_of(client, dm, "amt-a")["total"] == 0
    done = runner.invoke(main, ["offers", "import", str(path)])
    assert done.exit_code == 0 and "imported 1 offers" in done.output
    assert offers_of(client, dm, "amt-a")["total"] == 1
    again = runner.invoke(main, ["offers", "import", str(path)])
    assert again.exit_code == 2 and "row 2: areas" in again.output


def test_unreadable_csv_is_422(client, dm, land, nothing_written):
    with nothing_written():
        body = assert_problem(post(client, dm, HEADER + 'amt-a,"melde\n'), 422)
        assert body["errors"][0]["name"] == "body"
        assert_problem(post(client, dm, "provider,evidence_type\rx\x7f\ry\n"), 422)
