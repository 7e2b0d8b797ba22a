"""The WSGI fast path answers repeated lookups exactly as the Flask view does."""
import pytest

from app.competence.fastpath import CompetenceFastPath

from .catalog_helpers import API, evidence_type, offer, organisation
from .helpers import flask_calls

HEADERS = ("Content-Type", "ETag", "Vary", "Cache-Control")


@pytest.fixture
def counted(app):
    """Counts the requests the fast path hands on to Flask."""
    with flask_calls(app, CompetenceFastPath) as calls:
        yield calls


@pytest.fixture
def catalogue(client, dm):
    evidence_type(client, dm, "melde")
    organisation(client, dm, "amt-suedtondern")
    offer(client, dm, "melde", ["010545489"], provider="amt-suedtondern",
          connection_parameters={"dvdv": "x"}, valid_from="2025-01-01")


@pytest.mark.parametrize("params", [
    {"evidence_type": "melde", "ags": "01054018"},
    {"evidence_type": "melde", "ars": "010545489018", "at": "2026-01-01"},
    {"evidence_type": "melde", "plz": "25926", "place": "Ladelund"},
])
def test_second_lookup_is_served_by_the_fast_path_with_the_same_answer(
        client, catalogue, counted, login, params):
    for headers in ({}, login("routing")):
        counted.clear()
        first = client.get(f"{API}/competence", query_string=params, headers=headers)
        second = client.get(f"{API}/competence", query_string=params, headers=headers)
        assert counted == [f"{API}/competence"]  # only the first reached Flask
        assert first.status_code == second.status_code == 200
        assert first.data == second.data
        assert {h: first.headers[h] for h in HEADERS} == {h: second.headers[h] for h in HEADERS}
        assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
        revalidated = client.get(f"{API}/competence", query_string=params,
                                 headers={**headers, "If-None-Match": first.headers["ETag"]})
        assert revalidated.status_code == 304 and revalidated.data == b""
        assert len(counted) == 1


def test_problems_and_bad_queries_always_go_to_flask(client, catalogue, counted):
    for _ in range(2):
        assert client.get(f"{API}/competence", query_string={
            "evidence_type": "melde", "ags": "09162000"}).status_code == 404
        assert client.get(f"{API}/competence?evidence_type=melde&ags=01054018&ags=01054018"
                          ).status_code == 400
        assert client.get(f"{API}/competence", query_string={
            "evidence_type": "melde", "ags": "01054018", "x": "1"}).status_code == 400
    assert len(counted) == 6


def test_unknown_tokens_are_checked_by_flask(client, catalogue, counted):
    params = {"evidence_type": "melde", "ags": "01054018"}
    client.get(f"{API}/competence", query_string=params)
    r = client.get(f"{API}/competence", query_string=params,
                   headers={"Authorization": "Bearer rmt_not-a-token"})
    assert r.status_code == 401 and len(counted) == 2


def test_a_change_is_seen_by_the_fast_path_at_once(client, dm, catalogue, counted):
    params = {"evidence_type": "melde", "ags": "01054018"}
    client.get(f"{API}/competence", query_string=params)
    organisation(client, dm, "bramstedtlund")
    offer(client, dm, "melde", ["01054018"], provider="bramstedtlund")
    r = client.get(f"{API}/competence", query_string=params)
    assert r.json["provider"]["code"] == "bramstedtlund"


def test_a_parsed_query_without_a_day_follows_the_calendar(monkeypatch):
    """The fast path keeps parsed query strings; one without `at` asks about today, so after
    midnight (Berlin) it is the new day's question, never yesterday's answer."""
    from datetime import date

    from app.competence import fastpath, parameters
    query = "evidence_type=meldebescheinigung&ags=09162000"
    dated = query + "&at=2030-01-01"
    for today in (date(2026, 12, 7), date(2026, 12, 8)):
        monkeypatch.setattr(fastpath, "berlin_today", lambda today=today: today)
        monkeypatch.setattr(parameters, "berlin_today", lambda today=today: today)
        assert fastpath._parsed_lookup(query).day == today
        assert fastpath._parsed_lookup(dated).day == date(2030, 1, 1)
    # Anything the schema must judge is not parsed here (nor kept).
    for odd in (query + "&ags=09162000", query + "&nope=1", "evidence_type=x&ags=9"):
        assert fastpath._parsed_lookup(odd) is None
        assert odd not in fastpath._parsed
