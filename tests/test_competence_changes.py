"""Incremental freshness: each kind of catalogue change drops exactly the cached competence
answers whose resolution read what it changed; every other answer stays cached, and the
index is brought forward change by change instead of being rebuilt."""
import pytest

from app.access.actor import system_actor
from app.cli import main
from app.competence import check_log
from app.competence import index as competence_index
from app.competence.index import holder

from .catalog_helpers import API, change, create, evidence_type, offer, organisation, review

MELDE, KFZ = "melde", "kfz"
ANMELDUNG = "99115005104000"   # a service's Leistungsschlüssel
# What the tests ask: each names one cached answer.
LOOKUPS = {
    "ladelund": {"evidence_type": MELDE, "ags": "01054073"},        # Amt Südtondern
    "karlum": {"evidence_type": MELDE, "ags": "01054062"},          # Amt Südtondern
    "plz-25926": {"evidence_type": MELDE, "plz": "25926"},          # four of its villages
    "hannover": {"evidence_type": MELDE, "ags": "03241001"},        # Region Hannover
    "kfz-ladelund": {"evidence_type": KFZ, "ags": "01054073"},      # the KBA, DE
    "unknown-type": {"evidence_type": "gewerbe", "ags": "01054073"},
    # Areas above the municipality: every municipality in them is read.
    "kreis-nordfriesland": {"evidence_type": MELDE, "ags": "01054"},  # 409: Amt and none
    "kreis-hannover": {"evidence_type": MELDE, "ags": "03241"},       # Region Hannover
    "land-niedersachsen": {"evidence_type": MELDE, "ags": "03"},      # 409: Region and none
    # By Leistungsschlüssel: the service's requirement names the evidence type.
    "leika-hannover": {"leika": ANMELDUNG, "ags": "03241001"},
}


@pytest.fixture
def warm(client, dm):
    """A catalogue, every lookup answered once (so cached), and a function telling which
    of those answers a change dropped."""
    evidence_type(client, dm, MELDE)
    evidence_type(client, dm, KFZ, registers=("idnrg-15",))
    offer(client, dm, KFZ, ["DE"], provider="kba")
    organisation(client, dm, "amt-suedtondern")
    organisation(client, dm, "region-hannover")
    offer(client, dm, MELDE, ["010545489"], provider="amt-suedtondern")
    offer(client, dm, MELDE, ["03241"], provider="region-hannover")
    create(client, dm, "services", {
        "leistungsschluessel": ANMELDUNG, "name": {"de": "Anmeldung"},
        "requirements": [{"name": "Wohnsitz", "evidence_type_lists": [[MELDE]]}]})

    def ask_all():
        return {name: client.get(f"{API}/competence", query_string=params)
                for name, params in LOOKUPS.items()}

    ask_all()
    index = holder._index
    cached = {name: _cached(index, params) for name, params in LOOKUPS.items()}
    assert all(cached.values())

    def dropped_by(make_change):
        make_change()
        client.get(f"{API}/competence", query_string={"evidence_type": KFZ, "ags": "09162000"})
        assert holder._index is index, "the index was rebuilt instead of brought forward"
        gone = {name for name, outcome in cached.items()
                if _cached(index, LOOKUPS[name]) is not outcome}
        answers = ask_all()
        cached.update({name: _cached(index, params) for name, params in LOOKUPS.items()})
        return gone, answers
    return dropped_by


def _cached(index, params):
    kind = "plz" if "plz" in params else "ags"
    for key, outcome in index.answers.items():
        if key[0] == params.get("evidence_type") and key[6] == params.get("leika") \
                and key[1] == kind and key[2] == params[kind] and not key[5].connection:
            return outcome
    return None


def test_a_new_offer_drops_the_answers_that_read_its_keys(client, dm, warm):
    organisation(client, dm, "ladelund")
    gone, answers = warm(lambda: offer(client, dm, MELDE, ["01054073"], provider="ladelund"))
    # Ladelund's own answer, the postcode and the Kreis that contain Ladelund; nothing else.
    assert gone == {"ladelund", "plz-25926", "kreis-nordfriesland"}
    assert answers["ladelund"].json["provider"]["code"] == "ladelund"
    assert answers["plz-25926"].status_code == 409  # now two providers: never a guess


def test_an_edit_that_moves_an_offer_drops_old_and_new_keys(client, dm, warm):
    moved = client.get(f"{API}/offers", headers=dm,
                       query_string={"provider": "region-hannover"}).json["items"][0]
    gone, answers = warm(lambda: change(client, dm, "offers", moved["code"],
                                        {"areas": ["01054062"]}))
    assert gone == {"hannover", "karlum", "plz-25926", "kreis-nordfriesland", "kreis-hannover",
                    "land-niedersachsen", "leika-hannover"}
    assert answers["karlum"].json["provider"]["code"] == "region-hannover"
    assert answers["hannover"].status_code == 404
    assert answers["kreis-hannover"].status_code == 404
    assert answers["land-niedersachsen"].status_code == 404


def test_retiring_an_offer_drops_its_answers_only(client, dm, warm):
    kba = client.get(f"{API}/offers", headers=dm, query_string={"provider": "kba"}).json
    code = kba["items"][0]["code"]
    gone, answers = warm(lambda: client.delete(f"{API}/offers/{code}",
                                               headers={**dm, "If-Match": '"v1"'}))
    assert gone == {"kfz-ladelund"}
    assert answers["kfz-ladelund"].status_code == 404


def test_an_approved_proposal_drops_the_answers_of_its_keys(client, dm, login, warm):
    organisation(client, dm, "ladelund")
    provider = login("provider_admin", "ladelund")
    proposed = offer(client, provider, MELDE, ["01054073"])
    # Proposing changes nothing routing sees...
    client.get(f"{API}/competence", query_string=LOOKUPS["ladelund"])
    gone, _ = warm(lambda: None)
    assert gone == set()
    # ...approving does.
    gone, answers = warm(lambda: review(client, dm, f"{API}/offers/{proposed['code']}"))
    assert gone == {"ladelund", "plz-25926", "kreis-nordfriesland"}
    assert answers["ladelund"].json["provider"]["code"] == "ladelund"


def test_a_provider_renamed_or_suspended_drops_the_answers_of_its_offers(client, dm, warm):
    gone, answers = warm(lambda: change(client, dm, "organisations", "amt-suedtondern",
                                        {"name": "Amt Südtondern (neu)"}))
    assert gone == {"ladelund", "karlum", "plz-25926", "kreis-nordfriesland"}
    assert answers["ladelund"].json["provider"]["name"] == "Amt Südtondern (neu)"
    gone, answers = warm(lambda: change(client, dm, "organisations", "amt-suedtondern",
                                        {"status": "suspended"}))
    assert gone == {"ladelund", "karlum", "plz-25926", "kreis-nordfriesland"}
    assert answers["ladelund"].status_code == 404


def test_a_providers_new_contact_drops_nothing(client, dm, warm):
    gone, _ = warm(lambda: change(client, dm, "organisations", "amt-suedtondern",
                                  {"contact": {"name": "Frau Beispiel"}}))
    assert gone == set()


def test_an_evidence_type_created_or_retired_drops_the_answers_that_read_it(client, dm,
                                                                             warm):
    gone, answers = warm(lambda: evidence_type(client, dm, "gewerbe"))
    assert gone == {"unknown-type"}
    assert answers["unknown-type"].status_code == 404  # known now, but nobody offers it
    assert answers["unknown-type"].json["type"].endswith("/no-competent-provider")
    gone, answers = warm(lambda: client.delete(f"{API}/evidence-types/{KFZ}",
                                               headers={**dm, "If-Match": '"v1"'}))
    assert gone == {"kfz-ladelund"}
    assert answers["kfz-ladelund"].json["type"].endswith("/unknown-evidence-type")


def test_a_services_requirements_drop_the_answers_by_its_leistungsschluessel(client, dm,
                                                                            warm):
    assert warm(lambda: None)[1]["leika-hannover"].json["provider"]["code"] == \
        "region-hannover"
    gone, answers = warm(lambda: change(client, dm, "services", ANMELDUNG, {
        "requirements": [{"name": "Fahrzeug", "evidence_type_lists": [[KFZ]]}]}))
    assert gone == {"leika-hannover"}
    assert answers["leika-hannover"].json["provider"]["code"] == "kba"
    assert answers["leika-hannover"].json["evidence_type"] == KFZ
    gone, answers = warm(lambda: change(client, dm, "services", ANMELDUNG,
                                        {"leistungsschluessel": "99115005105000"}))
    assert gone == {"leika-hannover"}
    assert answers["leika-hannover"].json["type"].endswith("/unknown-service")


def test_changes_no_resolution_reads_drop_nothing(client, conn, dm, login, warm):
    def unrelated():
        change(client, dm, "registers", "idnrg-1", {"description": "Melderegister"})
        create(client, dm, "services", {"code": "parken", "name": {"de": "Parken"}})
        login("auditor")  # a new user and token
        check_log.prune(conn, system_actor("tests"), 30)  # an audited change of the log
    gone, _ = warm(unrelated)
    assert gone == set()


def test_an_answer_through_a_successor_is_dropped_when_the_successor_changes(app, client,
                                                                             dm):
    evidence_type(client, dm, MELDE)
    # Uder (16061097) merged into the new Uder (16061119): shipped succession.
    params = {"evidence_type": MELDE, "ags": "16061097"}
    assert client.get(f"{API}/competence", query_string=params).status_code == 404
    index = holder._index
    organisation(client, dm, "uder-neu")
    offer(client, dm, MELDE, ["16061119"], provider="uder-neu")
    r = client.get(f"{API}/competence", query_string=params)
    assert holder._index is index
    assert r.json["provider"]["code"] == "uder-neu"
    assert r.json["resolved_via_successor"]["successor"] == "16061119"


def test_area_changes_and_gaps_in_the_feed_rebuild(app, client, dm, conn):
    evidence_type(client, dm, MELDE)
    # Weißenstadter Forst-Nord has no sourced successor; the pair is made up for the test.
    params = {"evidence_type": MELDE, "ags": "09479462"}
    client.get(f"{API}/competence", query_string=params)
    before = holder._index
    result = app.test_cli_runner().invoke(main, ["areas", "succession", "add", "09479462",
                                                 "09479166", "--date", "2024-01-01"])
    assert result.exit_code == 0, result.output
    client.get(f"{API}/competence", query_string=params)
    assert holder._index is not before  # reference areas changed: a new index
    # A cursor the feed does not hold (as after a rollback): rebuilt, never skipped.
    rebuilt = holder._index
    rebuilt.cursor = (rebuilt.cursor[0], -1)
    organisation(client, dm, "x")
    client.get(f"{API}/competence", query_string=params)
    assert holder._index is not rebuilt


def test_a_rebuild_keeps_the_answers_whose_reads_did_not_change(client, dm, warm):
    old = holder._index
    before = {name: _cached(old, params) for name, params in LOOKUPS.items()}
    # A cursor the feed does not hold: the index cannot follow, it is rebuilt.
    old.cursor = (old.cursor[0], -1)
    kba = client.get(f"{API}/offers", headers=dm, query_string={"provider": "kba"}).json
    client.delete(f"{API}/offers/{kba['items'][0]['code']}", headers={**dm, "If-Match": '"v1"'})
    client.get(f"{API}/competence", query_string={"evidence_type": MELDE, "ags": "09162000"})
    rebuilt = holder._index
    assert rebuilt is not old
    kept = {name for name, params in LOOKUPS.items()
            if _cached(rebuilt, params) is before[name]}
    # Only the answer that read the retired offer's slot is computed again.
    assert kept == set(LOOKUPS) - {"kfz-ladelund"}
    assert client.get(f"{API}/competence",
                      query_string=LOOKUPS["kfz-ladelund"]).status_code == 404
    assert client.get(f"{API}/competence",
                      query_string=LOOKUPS["ladelund"]).json["provider"]["code"] == \
        "amt-suedtondern"


def test_the_token_cache_survives_changes_that_do_not_touch_credentials(client, dm, login,
                                                                         conn, monkeypatch):
    from app.access import queries as access_queries
    from app.access.secrets import sha256
    routing = login("routing")
    routing_hash = sha256(routing["Authorization"].split()[1])
    lookups = []
    real = access_queries.actor_for_token

    def counted(conn, token_hash):
        if token_hash == routing_hash:
            lookups.append(token_hash)
        return real(conn, token_hash)
    monkeypatch.setattr(access_queries, "actor_for_token", counted)
    params = {"evidence_type": "x", "ags": "09162000"}
    assert client.get(f"{API}/competence", query_string=params, headers=routing).status_code \
        == 404
    assert len(lookups) == 1
    change(client, dm, "registers", "idnrg-1", {"description": "Melderegister"})
    client.get(f"{API}/competence", query_string=params, headers=routing)
    assert len(lookups) == 1  # still known: a register says nothing about tokens
    # Creations change no token already known: a new token, a new organisation.
    assert client.post(f"{API}/tokens", json={"name": "neu", "expires_days": 1},
                       headers=dm).status_code == 201
    organisation(client, dm, "amt-neu")
    client.get(f"{API}/competence", query_string=params, headers=routing)
    assert len(lookups) == 1
    code = conn.execute("SELECT t.code FROM api_token t JOIN app_user u ON u.id = t.user_id "
                        "WHERE u.role = 'routing'").fetchone()["code"]
    assert client.delete(f"{API}/tokens/{code}", headers=login("admin")).status_code == 200
    r = client.get(f"{API}/competence", query_string=params, headers=routing)
    assert r.status_code == 401 and len(lookups) == 2  # a token change: asked again


@pytest.mark.parametrize("collection, action, before, empties", [
    ("tokens", "token.revoke", None, True),       # a revocation records no 'before'
    ("users", "user.deactivate", {}, True),
    ("organisations", "organisation.update", {}, True),   # a suspension, say
    ("users", "user.iam-provision", {}, True),    # IAM-B claims changed a known user
    ("users", "user.iam-provision", None, False),  # a first IAM-B sign-in
    ("tokens", "token.create", None, False),
    ("users", "user.sign-in", None, False),
    ("organisations", "organisation.create", None, False),
    ("registrations", "registration.submit", None, False),
    ("registers", "register.update", {}, False),
])
def test_only_changes_that_can_alter_a_known_token_empty_the_token_cache(
        collection, action, before, empties):
    from app.access.auth import _may_alter_a_token
    assert _may_alter_a_token({"collection": collection, "action": action,
                               "before": before}) is empties


def test_a_type_loaded_in_the_background_catches_up_with_changes_made_meanwhile(
        client, dm, conn, monkeypatch):
    """The preload and rebuilds read an evidence type without holding the index's lock; an
    offer changed after their read is reloaded before the type answers."""
    evidence_type(client, dm, MELDE)
    evidence_type(client, dm, KFZ, registers=("idnrg-15",))
    organisation(client, dm, "region-hannover")
    created = offer(client, dm, MELDE, ["03241"], provider="region-hannover")
    client.get(f"{API}/competence", query_string=LOOKUPS["kfz-ladelund"])  # MELDE not loaded
    index = holder._index
    read = competence_index.queries.active_offers

    def read_then_change(*args, **kwargs):
        monkeypatch.setattr(competence_index.queries, "active_offers", read)  # once
        yield from list(read(*args, **kwargs))  # what the loader saw: the old endpoint
        change(client, dm, "offers", created["code"],
               {"endpoint_url": "https://neu.hannover.example/api"})
        client.get(f"{API}/competence", query_string=LOOKUPS["kfz-ladelund"])  # applied
    monkeypatch.setattr(competence_index.queries, "active_offers", read_then_change)
    index.ensure_types(lambda: conn, [MELDE], background=True)
    assert holder._index is index
    r = client.get(f"{API}/competence", query_string=LOOKUPS["hannover"])
    assert r.json["offer"]["endpoint_url"] == "https://neu.hannover.example/api"


def test_while_one_thread_catches_up_the_others_answer_unless_this_process_wrote(client, dm):
    evidence_type(client, dm, MELDE)
    client.get(f"{API}/competence", query_string=LOOKUPS["hannover"])
    index, version = holder._index, holder._index.version
    # The last element of a version counts this process's own commits.
    by_another_process = ("elsewhere",) + version[1:]
    by_this_process = version[:-1] + (version[-1] + 1,)
    assert holder.current(by_another_process) is None  # nobody is catching up: wait
    holder._catching_up = True
    try:
        assert holder.current(by_another_process) is index
        assert holder.current(by_this_process) is None
    finally:
        holder._catching_up = False
