"""`regmap areas succession add OLD NEW --date D`: people record mergers, lookups follow."""
import pytest

from app.cli import main


@pytest.fixture
def regmap(app):
    runner = app.test_cli_runner()

    def run(*args):
        return runner.invoke(main, list(args))
    return run


# Weißenstadter Forst-Nord (a gemeindefreies Gebiet gone by 30.11.2025) has no sourced
# successor; the pairs below are made up for the tests, as a data manager would record one.
FORST, WEISSENSTADT, WUNSIEDEL = "09479462", "09479166", "09479169"


def test_recorded_successor_is_shown_for_the_retired_key(regmap, client):
    result = regmap("areas", "succession", "add", FORST, WEISSENSTADT, "--date", "2024-01-01")
    assert result.exit_code == 0, result.output
    r = client.get(f"/api/v1/municipalities/{FORST}")
    assert r.json["status"] == "retired"
    assert r.json["valid_to"] == "2024-01-01"
    assert r.json["successor"] == {"ags": WEISSENSTADT, "name": "Bad Weißenstadt, St",
                                   "status": "current", "effective_on": "2024-01-01"}


def test_succession_of_a_current_key_retires_it_from_that_date(regmap, client):
    before = client.get("/api/v1/municipalities/01054154").json
    result = regmap("areas", "succession", "add", "01054154", "01054018", "--date", "2026-01-01")
    assert result.exit_code == 0, result.output
    after = client.get("/api/v1/municipalities/01054154").json
    assert after["status"] == "retired"
    assert after["version"] == before["version"] + 1
    assert after["successor"]["ags"] == "01054018"


def test_a_future_succession_keeps_the_key_current_until_then(regmap, client):
    assert regmap("areas", "succession", "add", "01054154", "01054018",
                  "--date", "2099-01-01").exit_code == 0
    r = client.get("/api/v1/municipalities/01054154").json
    assert r["status"] == "current"
    assert r["valid_to"] == "2099-01-01"


@pytest.mark.parametrize("args, message", [
    (("09999999", "09162000", "--date", "2024-01-01"), "no area '09999999'"),
    (("0916200", "09162000", "--date", "2024-01-01"), "OLD"),
    (("09162000", "09162000", "--date", "2024-01-01"), "cannot succeed itself"),
    (("09162000", "09162", "--date", "2024-01-01"), "must be a municipality"),
    ((FORST, WEISSENSTADT, "--date", "2022-06-01"), "still current on 2022-12-31"),
    (("16063028", "16066042", "--date", "2024-01-01"), "already has the successor 16063104"),
])
def test_refused_successions_change_nothing(regmap, conn, args, message):
    def count():
        return conn.execute("SELECT count(*) AS n FROM area_succession").fetchone()["n"]
    before = count()
    result = regmap("areas", "succession", "add", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert count() == before


def test_malformed_date_is_refused(regmap):
    result = regmap("areas", "succession", "add", FORST, WEISSENSTADT, "--date", "1.1.2024")
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output


def test_second_successor_and_cycles_are_conflicts(regmap):
    assert regmap("areas", "succession", "add", FORST, WEISSENSTADT,
                  "--date", "2024-01-01").exit_code == 0
    again = regmap("areas", "succession", "add", FORST, WUNSIEDEL, "--date", "2024-01-01")
    assert again.exit_code == 2 and "already has the successor" in again.output
    cycle = regmap("areas", "succession", "add", WEISSENSTADT, FORST, "--date", "2023-06-01")
    assert cycle.exit_code == 2 and "leads back" in cycle.output
