"""Proposals and review: provider admins propose offers, consumer admins request
permissions, data managers decide; routing keeps seeing the active version meanwhile."""
from datetime import date, timedelta

import pytest

from .catalog_helpers import API, change, create, evidence_type, offer, organisation, review
from .helpers import assert_problem


@pytest.fixture
def setting(client, dm, login):
    evidence_type(client, dm, "melde")
    organisation(client, dm, "amt-nord", kind="Amt")
    organisation(client, dm, "amt-sued", kind="Amt")
    organisation(client, dm, "parkamt", kind="Straßenverkehrsbehörde")
    create(client, dm, "services", {"code": "parken", "name": {"de": "Parken"}})
    return {"provider": login("provider_admin", "amt-nord"),
            "other_provider": login("provider_admin", "amt-sued"),
            "consumer": login("consumer_admin", "parkamt"),
            "routing": login("routing")}


def test_provider_proposal_stays_pending_until_approved(client, dm, setting):
    proposed = offer(client, setting["provider"], "melde", ["010545489"])
    assert proposed["status"] == "pending" and proposed["provider"] == "amt-nord"
    assert proposed["pending_change"]["kind"] == "create"
    path = f"{API}/offers/{proposed['code']}"
    assert_problem(client.get(path), 404)  # not public while pending
    assert_problem(client.get(path, headers=setting["other_provider"]), 404)
    queue = client.get(f"{API}/proposals", headers=dm).json["items"]
    assert [(p["object"], p["kind"]) for p in queue] == [(proposed["code"], "create")]

    approved = review(client, dm, f"{path}", "approve")
    assert approved.status_code == 200
    assert approved.json["status"] == "active" and approved.json["pending_change"] is None
    assert client.get(path).json["status"] == "active"
    actions = [e["action"] for e in client.get(f"{path}/history", headers=dm).json["items"]]
    assert actions == ["offer.create", "offer.approve-create"]


def test_proposal_for_another_organisation_is_forbidden(client, setting, nothing_written):
    with nothing_written():
        r = client.post(f"{API}/offers", headers=setting["provider"], json={
            "provider": "amt-sued", "evidence_type": "melde", "areas": ["01"],
            "service_id": "x", "endpoint_url": "https://x.example"})
        assert_problem(r, 403, "forbidden")


def test_denied_before_validated(client, setting, nothing_written):
    # An invalid body for someone else's organisation: 403, not 422.
    with nothing_written():
        r = client.post(f"{API}/offers", headers=setting["provider"],
                        json={"provider": "amt-sued", "areas": "nonsense"})
        assert_problem(r, 403)


def test_edit_of_an_active_offer_waits_while_routing_sees_the_old_one(client, dm, setting):
    active = offer(client, dm, "melde", ["010545489"], provider="amt-nord")
    path = f"{API}/offers/{active['code']}"
    r = change(client, setting["provider"], "offers", active["code"],
               {"endpoint_url": "https://neu.amt-nord.example"})
    assert r.status_code == 200
    assert r.json["endpoint_url"] == "https://dp.test.example/api"
    assert r.json["pending_change"]["kind"] == "update"
    assert r.json["pending_change"]["changes"]["endpoint_url"] == "https://neu.amt-nord.example"
    seen_by_routing = client.get(path, headers=setting["routing"]).json
    assert seen_by_routing["endpoint_url"] == "https://dp.test.example/api"
    assert "pending_change" not in seen_by_routing

    approved = review(client, dm, f"{path}", "approve").json
    assert approved["endpoint_url"] == "https://neu.amt-nord.example"
    assert approved["version"] == 2


def test_owner_proposes_retirement(client, dm, setting):
    active = offer(client, dm, "melde", ["01054"], provider="amt-nord")
    path = f"{API}/offers/{active['code']}"
    r = client.delete(path, headers={**setting["provider"], "If-Match": '"v1"'})
    assert r.json["status"] == "active" and r.json["pending_change"]["kind"] == "retire"
    retired = review(client, dm, f"{path}", "approve").json
    assert retired["status"] == "retired" and retired["valid_to"] is not None


def test_reject_needs_a_reason_and_the_owner_sees_it(client, dm, setting):
    proposed = offer(client, setting["provider"], "melde", ["01054"])
    path = f"{API}/offers/{proposed['code']}"
    assert_problem(review(client, dm, f"{path}", "reject", json={}), 422)
    r = review(client, dm, f"{path}", "reject", json={"reason": "Amt ist nicht zuständig"})
    assert r.json["status"] == "rejected"
    history = client.get(f"{path}/history", headers=setting["provider"]).json["items"]
    assert history[-1]["reason"] == "Amt ist nicht zuständig"
    assert_problem(review(client, dm, f"{path}", "approve"), 409)


def test_four_eyes_nobody_approves_their_own_proposal(client, dm, login, setting):
    # A data manager stages an offer for a colleague's review.
    staged = create(client, dm, "offers", {
            "provider": "amt-sued", "evidence_type": "melde", "areas": ["02"],
            "service_id": "x", "endpoint_url": "https://x.example", "status": "pending"})
    path = f"{API}/offers/{staged['code']}"
    assert_problem(review(client, dm, f"{path}", "approve"), 403, "forbidden")
    colleague = login("data_manager", email="colleague@fks.example")
    assert review(client, colleague, f"{path}", "approve").json["status"] == "active"


def test_approval_rechecks_overlaps(client, dm, setting):
    proposed = offer(client, setting["provider"], "melde", ["010545489"])
    offer(client, dm, "melde", ["010545489"], provider="amt-sued")
    r = review(client, dm, f"{API}/offers/{proposed['code']}", "approve")
    assert_problem(r, 409, "overlapping-offer")
    assert client.get(f"{API}/offers/{proposed['code']}", headers=dm).json["status"] == \
        "pending"


def test_providers_cannot_approve(client, setting):
    proposed = offer(client, setting["provider"], "melde", ["01054"])
    r = review(client, setting["provider"], f"{API}/offers/{proposed['code']}", "approve")
    assert_problem(r, 403)


def test_consumer_requests_a_permission_and_sees_only_its_own(client, dm, login, setting):
    requested = create(client, setting["consumer"], "permissions", {
        "service": "parken", "evidence_type": "melde", "legal_basis": "§ 45 StVO",
        "may_use_identification_number": True})
    assert requested["status"] == "pending" and requested["consumer"] == "parkamt"
    review(client, dm, f"{API}/permissions/{requested['code']}", "approve")
    organisation(client, dm, "anderes-amt")
    other = login("consumer_admin", "anderes-amt")
    assert client.get(f"{API}/permissions", headers=other).json["total"] == 0
    assert_problem(client.get(f"{API}/permissions/{requested['code']}", headers=other), 404)
    mine = client.get(f"{API}/permissions", headers=setting["consumer"]).json
    assert [p["code"] for p in mine["items"]] == [requested["code"]]
    assert_problem(client.get(f"{API}/permissions"), 401)
    assert_problem(client.get(f"{API}/permissions", headers=setting["provider"]), 403)


def test_a_withdrawn_proposal_leaves_the_queue_and_cannot_be_approved(client, dm, setting):
    proposed = offer(client, setting["provider"], "melde", ["010545489"])
    path = f"{API}/offers/{proposed['code']}"
    r = client.delete(path, headers={**setting["provider"], "If-Match": '"v1"'})
    assert r.status_code == 200 and r.json["status"] == "retired"
    assert client.get(f"{API}/proposals", headers=dm).json["items"] == []
    assert_problem(review(client, dm, f"{path}", "approve"), 409)
    assert client.get(path, headers=dm).json["status"] == "retired"


def test_offers_and_permissions_that_start_later_can_be_retired(client, dm, setting):
    later = (date.today() + timedelta(days=30)).isoformat()
    # By a data manager: the validity closes at its start, so it is never valid.
    direct = offer(client, dm, "melde", ["01"], provider="amt-sued", valid_from=later)
    r = client.delete(f"{API}/offers/{direct['code']}", headers={**dm, "If-Match": '"v1"'})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.json["status"] == "retired" and r.json["valid_to"] == later
    # An owner withdrawing its pending future offer.
    pending = offer(client, setting["provider"], "melde", ["02"], valid_from=later)
    r = client.delete(f"{API}/offers/{pending['code']}",
                      headers={**setting["provider"], "If-Match": '"v1"'})
    assert r.status_code == 200 and r.json["status"] == "retired"
    # An owner's retirement of an active future offer, approved.
    active = offer(client, dm, "melde", ["03"], provider="amt-nord", valid_from=later)
    path = f"{API}/offers/{active['code']}"
    client.delete(path, headers={**setting["provider"], "If-Match": '"v1"'})
    r = review(client, dm, f"{path}", "approve")
    assert r.status_code == 200 and r.json["status"] == "retired"
    # A permission the same way.
    permission = create(client, dm, "permissions", {
        "consumer": "parkamt", "service": "parken", "evidence_type": "melde",
        "legal_basis": "§ 45 StVO", "may_use_identification_number": False,
        "valid_from": later})
    r = client.delete(f"{API}/permissions/{permission['code']}",
                      headers={**dm, "If-Match": '"v1"'})
    assert r.status_code == 200 and r.json["valid_to"] == later


class TestReviewIsBoundToWhatWasSeen:
    """A decision names, in If-Match, the version and the proposal the
    reviewer looked at; anything changed since is reviewed again."""

    def test_a_proposal_edited_after_review_is_not_approved_unseen(self, client, dm, setting):
        proposed = offer(client, setting["provider"], "melde", ["010545489"])
        path = f"{API}/offers/{proposed['code']}"
        seen = client.get(path, headers=dm).headers["ETag"]
        # The provider changes the pending offer after the reviewer looked at it.
        r = client.patch(path, json={"endpoint_url": "https://evil.example", "areas": ["DE"]},
                         headers={**setting["provider"], "If-Match": "*"})
        assert r.status_code == 200
        refused = client.post(f"{path}/approve", headers={**dm, "If-Match": seen})
        assert_problem(refused, 412, "precondition-failed")
        assert client.get(path, headers=dm).json["status"] == "pending"
        # Without If-Match, or with `*`: 428; a decision is never on whatever is there now.
        assert_problem(client.post(f"{path}/approve", headers=dm), 428)
        assert_problem(client.post(f"{path}/approve", headers={**dm, "If-Match": "*"}), 428)
        assert_problem(client.post(f"{path}/reject", json={"reason": "x"},
                                   headers={**dm, "If-Match": seen}), 412)
        # Looked at again, it can be decided.
        approved = review(client, dm, path)
        assert approved.status_code == 200
        assert approved.json["endpoint_url"] == "https://evil.example"

    def test_a_superseding_proposal_changes_the_etag(self, client, dm, setting):
        active = offer(client, dm, "melde", ["010545489"], provider="amt-nord")
        path = f"{API}/offers/{active['code']}"
        assert client.get(path, headers=dm).headers["ETag"] == '"v1"'
        change(client, setting["provider"], "offers", active["code"],
               {"endpoint_url": "https://a.amt-nord.example"})
        seen = client.get(path, headers=dm).headers["ETag"]
        assert seen.startswith('"v1.p')
        change(client, setting["provider"], "offers", active["code"],
               {"endpoint_url": "https://b.amt-nord.example"})
        assert client.get(path, headers=dm).headers["ETag"] != seen
        assert_problem(client.post(f"{path}/approve", headers={**dm, "If-Match": seen}), 412)
        approved = review(client, dm, path).json
        assert approved["endpoint_url"] == "https://b.amt-nord.example"
        # Nothing awaits review any more: the ETag is the version alone again.
        assert client.get(path, headers=dm).headers["ETag"] == '"v2"'


def test_auditors_do_not_see_proposed_connection_parameters(client, dm, login, setting):
    """One policy for connection parameters, pending changes included."""
    active = offer(client, dm, "melde", ["010545489"], provider="amt-nord")
    path = f"{API}/offers/{active['code']}"
    secret = {"client_id": "amt-nord-geheim"}
    assert change(client, setting["provider"], "offers", active["code"],
                  {"connection_parameters": secret}).status_code == 200
    auditor = login("auditor")
    item = client.get(path, headers=auditor).json
    listed = [o for o in client.get(f"{API}/offers", headers=auditor).json["items"]
              if o["code"] == active["code"]]
    for document in (item, *listed):
        assert "connection_parameters" not in document
        proposed = document["pending_change"]["changes"]["connection_parameters"]
        assert proposed != secret and set(proposed) == {"sha256"}
    assert "amt-nord-geheim" not in client.get(path, headers=auditor).get_data(as_text=True)
    owner_view = client.get(path, headers=setting["provider"]).json
    assert owner_view["pending_change"]["changes"]["connection_parameters"] == secret
    assert client.get(path, headers=dm).json["pending_change"]["changes"][
        "connection_parameters"] == secret
