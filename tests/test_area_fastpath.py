"""Area reads in front of Flask: `/municipalities/{key}`, `/areas/{key}` and
`/postcodes/{plz}` are answered again with the bytes and headers Flask gave (304 included),
until an area change reaches the feed or the Berlin day turns; other changes keep them."""
from datetime import timedelta

import pytest

from app.areas import fastpath
from app.areas.fastpath import AreaReadFastPath
from app.values.dates import berlin_today

from .catalog_helpers import API, organisation
from .helpers import flask_calls as counting_flask_calls
from .test_postcode_curation import GALLINCHEN, PLZ, approve, propose

PATHS = (f"{API}/municipalities/01054073", f"{API}/municipalities/010545489073",
         f"{API}/areas/01054", f"{API}/postcodes/{PLZ}")
HEADERS = ("Content-Type", "Content-Length", "ETag")


@pytest.fixture
def flask_calls(app):
    fast = app.wsgi_app
    while not isinstance(fast, AreaReadFastPath):
        fast = fast.wsgi_app
    fast.forget()  # answers kept by earlier tests
    with counting_flask_calls(app, AreaReadFastPath) as calls:
        yield calls


@pytest.mark.parametrize("path", PATHS)
def test_a_repeated_read_is_answered_in_front_of_flask_with_the_same_bytes(
        client, login, flask_calls, path):
    for headers in ({}, login("routing")):
        first, second = client.get(path, headers=headers), client.get(path, headers=headers)
        assert first.status_code == second.status_code == 200
        assert first.data == second.data
        assert {h: first.headers[h] for h in HEADERS} == {h: second.headers[h] for h in HEADERS}
        assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
        etag = {"If-None-Match": first.headers["ETag"]}
        by_flask, in_front = (client.get(path, headers={**headers, **etag}) for _ in range(2))
        assert by_flask.status_code == in_front.status_code == 304
        assert in_front.data == b""
        assert _lasting(by_flask.headers) == _lasting(in_front.headers)
    assert flask_calls == [path, path]  # the first 200 and the first 304


def test_what_only_flask_can_judge_goes_to_flask(client, flask_calls):
    path = PATHS[0]
    client.get(path)
    assert client.get(f"{path}?x=1").status_code == 400
    # Public documents: a token changes nothing (Flask's views read none either).
    assert client.get(path, headers={"Authorization": "Bearer rmt_unknown"}).data == \
        client.get(path).data
    assert client.get(path, headers={"If-None-Match": "*"}).status_code == 304
    assert client.get(f"{API}/municipalities/99999999").status_code == 404
    assert client.get(f"{API}/municipalities/99999999").status_code == 404
    assert flask_calls == [path] * 3 + [f"{API}/municipalities/99999999"] * 2


def test_an_area_change_is_seen_at_once_and_other_changes_keep_the_answers(
        client, dm, login, flask_calls):
    path = f"{API}/postcodes/{PLZ}"
    before = client.get(path)
    organisation(client, dm, "cottbus")  # no area read depends on it
    assert client.get(path).data == before.data
    assert flask_calls.count(path) == 1
    first, second = login("data_manager", email="dm1@test.example"), \
        login("data_manager", email="dm2@test.example")
    code = propose(client, first, GALLINCHEN).json["code"]
    assert client.get(path).data == before.data  # pending: nothing changed yet
    assert approve(client, second, code).status_code == 200
    after = client.get(path)
    assert "Gallinchen" in after.get_data(as_text=True)
    assert "Gallinchen" not in before.get_data(as_text=True)
    assert after.headers["ETag"] != before.headers["ETag"]
    assert client.get(path).data == after.data
    assert flask_calls.count(path) == 3  # the first, after the proposal, after the approval


def test_a_new_berlin_day_renders_again(client, flask_calls, monkeypatch):
    path = PATHS[0]
    client.get(path)
    client.get(path)
    monkeypatch.setattr(fastpath, "berlin_today", lambda: berlin_today() + timedelta(days=1))
    client.get(path)
    assert flask_calls == [path, path]


def _lasting(headers):
    """The headers that do not change from request to request."""
    return sorted((k, v) for k, v in headers
                  if k != "X-Request-ID" and not k.startswith("RateLimit"))
