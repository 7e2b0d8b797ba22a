"""Loading the reference data: complete, idempotent, and updating in place."""
import csv
import shutil

import pytest

from app.areas import seed
from app.areas.seed import seed_areas

from .conftest import SEED_DIR


def count(conn, sql, **params):
    return conn.execute(sql, params).fetchone()["n"]


def test_every_area_of_the_hierarchy_is_loaded(conn):
    by_level = {r["level"]: r["n"] for r in conn.execute(
        "SELECT level, count(*) AS n FROM area WHERE source_status = 'current' GROUP BY level")}
    assert by_level == {"federation": 1, "land": 16, "regierungsbezirk": 29, "kreis": 400,
                        "gemeindeverband": 4590, "municipality": 10953}
    assert count(conn, "SELECT sum(population) AS n FROM area WHERE level = 'municipality' "
                       "AND source_status = 'current'") == 83_577_140


def test_every_area_but_the_federation_has_a_parent_one_level_up(conn):
    orphans = count(conn, "SELECT count(*) AS n FROM area WHERE parent_key IS NULL "
                          "AND key <> 'DE'")
    assert orphans == 0
    # Hannover sits in Region Hannover through its (verbandsfreie) Gemeindeverband.
    chain, key = [], "03241001"
    while key:
        chain.append(key)
        key = conn.execute("SELECT parent_key FROM area WHERE key = %(k)s",
                           {"k": key}).fetchone()["parent_key"]
    assert chain == ["03241001", "032410001", "03241", "032", "03", "DE"]


def test_postcode_table_is_n_to_m(conn):
    assert count(conn, "SELECT count(*) AS n FROM postcode_area") == 12871
    assert count(conn, "SELECT count(DISTINCT plz) AS n FROM postcode_area") == 8170
    assert count(conn, "SELECT count(*) AS n FROM (SELECT plz FROM postcode_area GROUP BY plz "
                       "HAVING count(*) > 1) s") == 1390


def test_postcode_rows_pointing_at_retired_keys_are_kept_and_flagged(conn):
    stale = count(conn, "SELECT count(DISTINCT p.ags) AS n FROM postcode_area p "
                        "JOIN area a ON a.key = p.ags WHERE a.source_status = 'retired'")
    assert stale == 40
    not_in_any_directory = {r["key"] for r in conn.execute(
        "SELECT key FROM area WHERE source = 'suche-postleitzahl-osm-2023'")}
    assert not_in_any_directory == {"12073032", "12073386", "12073603"}


def versions(conn):
    return conn.execute(
        "SELECT (SELECT sum(version) FROM area) AS areas, "
        "(SELECT max(updated_at) FROM area) AS areas_updated, "
        "(SELECT sum(version) FROM postcode_area) AS postcodes").fetchone()


def test_second_seed_changes_nothing(conn):
    before = versions(conn)
    report = seed_areas(conn, SEED_DIR)
    assert report["areas"] == {"inserted": 0, "updated": 0, "retired": 0}
    assert report["postcodes"] == {"inserted": 0, "updated": 0, "retired": 0}
    assert report["former_ars"] == {"changed": 0}
    assert report["retirement_reasons"] == {"changed": 0}
    assert versions(conn) == before


@pytest.fixture
def edited_seed_dir(tmp_path):
    """A copy of the shipped files with Karlum renamed, Westre gone, one PLZ row gone."""
    target = tmp_path / "catalog_seed"
    shutil.copytree(SEED_DIR, target)

    def rewrite(name, change):
        path = target / name
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            fields, rows = reader.fieldnames, list(reader)
        rows = [r for r in (change(r) for r in rows) if r is not None]
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)

    def municipalities(row):
        if row["ags"] == "01054154":  # Westre
            return None
        if row["ags"] == "01054062":
            row["name"] = "Karlum (umbenannt)"
        return row

    def postcodes(row):
        return None if (row["plz"], row["ags"]) == ("25926", "01054073") else row

    rewrite(seed.MUNICIPALITIES, municipalities)
    rewrite(seed.POSTCODES, postcodes)
    return target


def test_changed_files_update_in_place_and_retire_what_vanished(conn, edited_seed_dir):
    report = seed_areas(conn, edited_seed_dir)
    assert report["areas"] == {"inserted": 0, "updated": 1, "retired": 1}
    assert report["postcodes"] == {"inserted": 0, "updated": 0, "retired": 1}
    karlum = conn.execute("SELECT name, version FROM area WHERE key = '01054062'").fetchone()
    assert karlum == {"name": "Karlum (umbenannt)", "version": 2}
    westre = conn.execute("SELECT source_status, retired_by, version FROM area "
                          "WHERE key = '01054154'").fetchone()
    assert westre["source_status"] == "retired" and westre["version"] == 2
    # The vanished postcode row is kept, marked retired, not deleted.
    row = conn.execute("SELECT source_status FROM postcode_area "
                       "WHERE plz = '25926' AND ags = '01054073'").fetchone()
    assert row["source_status"] == "retired"
    # Seeding the original files again brings both back.
    again = seed_areas(conn, SEED_DIR)
    assert again["areas"]["updated"] == 2 and again["postcodes"]["updated"] == 1


@pytest.mark.parametrize("bad_row, message", [
    ("1,0905,Kaputt,12345,,Bayern", "ags '0905' is malformed"),
    ("1,09162000,München,8033,,Bayern", "plz '8033' is malformed"),
    ("1,09162000,München", "wrong number of columns"),
])
def test_a_malformed_source_row_loads_nothing(conn, tmp_path, bad_row, message):
    broken = tmp_path / "catalog_seed"
    shutil.copytree(SEED_DIR, broken)
    path = broken / seed.POSTCODES
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + "\n" + bad_row + "\n", encoding="utf-8")
    before = versions(conn)
    with pytest.raises(seed.SeedFileError, match=message):
        seed_areas(conn, broken)
    assert versions(conn) == before


def test_the_register_map_follows_the_annex(client):
    """Keepers as the annex names them, the specialised law where the annex names it, a
    description for every register (catalog_seed/catalog/register_details.csv)."""
    registers = {r["code"]: r for r in client.get(
        "/api/v1/registers", query_string={"page_size": 100}).json["items"]}
    assert len(registers) == 50
    assert registers["idnrg-4"]["legal_basis"].startswith(
        "§ 150 des Sechsten Buches Sozialgesetzbuch; § 1 IDNrG")
    assert registers["idnrg-30"]["legal_basis"].startswith("§ 14 der Gewerbeordnung")
    # No specialised law in the annex line: the IDNrG line alone.
    assert registers["idnrg-1"]["legal_basis"] == "§ 1 IDNrG i. V. m. Anlage Nr. 1"
    keepers = {code: r["keepers"] for code, r in registers.items()}
    assert keepers["idnrg-10"] == ["ba"] and keepers["idnrg-48"] == ["lba"]
    assert keepers["idnrg-4"] == ["drv"] and keepers["idnrg-28"] == ["bva"]
    assert registers["idnrg-26"]["keeping_authority_type"] == "Krankenkasse"
    assert all(r["description"] for r in registers.values())
    # The two the annex alone left open, from their laws and the register pages of the
    # Verwaltungsdaten-Informationsplattform.
    assert keepers["idnrg-14"] == ["dguv"]
    assert registers["idnrg-14"]["legal_basis"].startswith("§ 136a Absatz 1 des Siebten Buches")
    assert keepers["idnrg-41"] == ["beitragsservice"]
    assert registers["idnrg-41"]["legal_basis"].startswith("Rundfunkbeitragsstaatsvertrag")
    # Keepers or a keeping kind everywhere.
    assert all(r["keepers"] or r["keeping_authority_type"] for r in registers.values())


@pytest.mark.parametrize("bad_row, message", [
    # Bromskirchen has a sourced successor: a reason for "none" would contradict it.
    ('06635005,"keine",official,"Quelle"', "06635005 has a successor"),
    ('09479462,"aufgelöst",,""', "every row names its source"),
    ('09479462,"",official,"Quelle"', "the reason is empty"),
])
def test_a_retirement_reason_must_be_sourced_and_not_contradict_a_successor(
        conn, tmp_path, bad_row, message):
    broken = tmp_path / "catalog_seed"
    shutil.copytree(SEED_DIR, broken)
    path = broken / seed.RETIREMENT_REASONS
    kept = [line for line in path.read_text(encoding="utf-8").splitlines()
            if not line.startswith(bad_row[:8])]
    path.write_text("\n".join(kept + [bad_row]) + "\n", encoding="utf-8")
    before = versions(conn)
    with pytest.raises(seed.SeedFileError, match=message):
        seed_areas(conn, broken)
    assert versions(conn) == before
