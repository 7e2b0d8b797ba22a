"""The one folding function that name filters and search share."""
import pytest

from app.values.folding import fold


@pytest.mark.parametrize("a, b", [
    ("München", "muenchen"), ("München", "munchen"), ("MÜNCHEN", "München"),
    ("Straße", "strasse"), ("Ausländerzentralregister", "Auslaenderzentralregister"),
    ("Görlitz", "Goerlitz"), ("Halle (Saale)", "halle saale"), ("Sankt Märgen", "sankt margen"),
])
def test_spellings_fold_alike(a, b):
    assert fold(a) == fold(b)


def test_different_names_stay_different():
    assert fold("Bonn") != fold("Born")
    assert fold("Hamm") != fold("Hamburg")


def test_folding_is_idempotent_on_every_municipality_name(conn):
    for row in conn.execute("SELECT name, name_folded FROM area"):
        assert fold(row["name"]) == row["name_folded"]
        assert fold(row["name_folded"]) == row["name_folded"]


@pytest.mark.parametrize("empty", [None, "", "  ", "()"])
def test_empty_folds_to_empty(empty):
    assert fold(empty) == ""
