"""The national-scale generated catalogue (regmap seed --national), on one Land: every
entry illustrative, written through the bulk verb with one audited entry per collection,
answered by competence at every level, and a second run writes nothing."""
from app.access.actor import system_actor
from app.catalog.generated import seed_national
from app.catalog.seed import seed_demo
from app.config import REPO_ROOT

from .catalog_helpers import API

ACTOR = system_actor("tests")


def test_one_land_of_the_national_catalogue(app, client, conn, dm):
    with app.app_context():
        seed_demo(conn, REPO_ROOT / "catalog_seed", ACTOR)
        first = seed_national(conn, ACTOR, land="13")   # Mecklenburg-Vorpommern
        again = seed_national(conn, ACTOR, land="13")
    assert first["evidence types"] == 120 and first["organisations"] == 8 + 1 + 1
    municipalities = conn.execute(
        "SELECT count(*) AS n FROM area WHERE level = 'municipality' AND "
        "source_status = 'current' AND left(key, 2) = '13' AND area_type_code NOT IN "
        "('65', '66')").fetchone()["n"]
    assert first["offers"] > 35 * municipalities + 40 * 8 + 25 + 5
    assert again == {"evidence types": 0, "organisations": 0, "offers": 0}
    assert conn.execute("SELECT bool_and(illustrative) AS all FROM offer "
                        "WHERE code LIKE 'gen-%'").fetchone()["all"]
    entries = conn.execute("SELECT action, object_code, after->>'count' AS n FROM audit_log "
                           "WHERE action LIKE '%%.create-many' ORDER BY id").fetchall()
    assert [(e["action"], e["object_code"]) for e in entries] == [
        ("organisation.create-many", "*"), ("offer.create-many", "*")]
    assert int(entries[1]["n"]) == first["offers"]

    def provider(evidence_type, ags="13072006"):   # Bad Doberan, Landkreis Rostock
        r = client.get(f"{API}/competence", query_string={"evidence_type": evidence_type,
                                                          "ags": ags})
        assert r.status_code == 200, r.get_data(as_text=True)
        return r.json["provider"]["code"], r.json["area"]["level"]
    assert provider("gen-gemeinde-01") == ("gemeinde-13072006", "municipality")
    assert provider("gen-kreis-40") == ("kreis-13072", "kreis")
    assert provider("gen-land-25") == ("land-13", "land")
    assert provider("gen-bund-05") == ("bund-generiert", "federation")
    assert provider("gen-melde-15")[1] in ("municipality", "gemeindeverband")
