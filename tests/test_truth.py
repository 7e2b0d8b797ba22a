"""Answers that tell the truth about what the caller asked."""
import pytest

from .catalog_helpers import API, create, offer, organisation
from .helpers import assert_problem


def test_registration_timestamps_are_iso_8601(client, dm):
    """c: organisation_details.created_at came as an HTTP date."""
    submitted = client.post(f"{API}/registrations", json={
        "organisation": {"name": "Amt Musterland", "kind": "Amt",
                         "contact": {"name": "Bürgerbüro", "email": "buero@musterland.example"}},
        "user": {"email": "leitung@musterland.example", "password": "ein-gutes-Passwort-1"},
        "role": "provider_admin"})
    assert submitted.status_code == 201, submitted.get_data(as_text=True)
    doc = client.get(f"{API}/registrations/{submitted.json['code']}", headers=dm).json
    created = doc["organisation_details"]["created_at"]
    assert created[:4].isdigit() and "T" in created and "GMT" not in created


@pytest.mark.parametrize("path, allowed", [
    ("/offers", "pending, active, rejected, retired"),
    ("/permissions", "pending, active, rejected, retired"),
    ("/organisations", "pending, active, suspended, retired"),
    ("/evidence-types", "active, retired"), ("/services", "active, retired"),
    ("/registers", "active, retired")])
def test_an_unknown_status_filter_is_a_400_naming_the_states(client, dm, path, allowed):
    """e: `/offers?status=foo` was 200 and empty."""
    body = assert_problem(client.get(f"{API}{path}", query_string={"status": "foo"},
                                     headers=dm), 400)
    assert body["errors"][0]["name"] == "status" and allowed in body["errors"][0]["detail"]


def test_search_counts_only_what_the_caller_may_see(client, dm, login):
    """b: anonymous `q=Fachdienst Forst` said total 6 with 4 items, revealing hidden
    entries."""
    organisation(client, dm, "fd-forst-a", name="Fachdienst Forst Nord", kind="Amt")
    organisation(client, dm, "fd-forst-b", name="Fachdienst Forst Süd", kind="Amt")
    provider = login("provider_admin", "fd-forst-a")
    create(client, dm, "evidence-types", {"code": "forst", "title": {"de": "Forstnachweis"}})
    offer(client, provider, "forst", ["01054"])   # pending: hidden from the public
    anonymous = client.get(f"{API}/search", query_string={"q": "Fachdienst Forst"}).json
    assert anonymous["total"] == len(anonymous["items"])
    assert sum(anonymous["facets"]["type"].values()) == anonymous["total"]
    assert "pending" not in anonymous["facets"]["status"]
    everything = client.get(f"{API}/search", query_string={"q": "Fachdienst Forst"},
                            headers=dm).json
    assert everything["total"] > anonymous["total"]


def test_a_proposal_that_overlaps_an_active_offer_is_refused_at_once(client, dm, login,
                                                                     nothing_written):
    """f: such a proposal was accepted and failed only at approval, unannounced."""
    create(client, dm, "evidence-types", {"code": "melde-t", "title": {"de": "Melde"}})
    organisation(client, dm, "amt-nord-t", kind="Amt")
    organisation(client, dm, "amt-sued-t", kind="Amt")
    offer(client, dm, "melde-t", ["010545489"], provider="amt-sued-t")
    provider = login("provider_admin", "amt-nord-t")
    with nothing_written():
        r = client.post(f"{API}/offers", headers=provider, json={
            "evidence_type": "melde-t", "areas": ["010545489"], "service_id": "s",
            "endpoint_url": "https://nord.example"})
    body = assert_problem(r, 409, "overlapping-offer")
    assert "010545489" in body["detail"]
    # Another area is fine.
    assert offer(client, provider, "melde-t", ["01054018"])["status"] == "pending"
