"""A newcomer follows only the README. Its "Then try" block is run against a
served demo catalogue, and the project's documents point at nothing outside the repository.
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from app.config import REPO_ROOT

from .live import serving

README = REPO_ROOT / "README.md"
DOCUMENTS = [README, REPO_ROOT / "ARCHITECTURE.md", REPO_ROOT / "bench" / "README.md",
             *sorted((REPO_ROOT / "docs").glob("*.md"))]
# A path in backticks that names a file or folder of the repository.
REPO_PATH = re.compile(r"`((?:docs|bench|tests|app|scripts|catalog_seed|migrations|deploy)"
                       r"/[A-Za-z0-9_./-]*[A-Za-z0-9_/])`")


def code_blocks(text):
    return re.findall(r"```[a-z]*\n(.*?)```", text, re.S)


def then_try():
    text = README.read_text()
    start = text.index("Then try")
    block = code_blocks(text[start:])[0]
    return [line for line in block.splitlines() if line.strip()]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_documents_point_only_into_the_repository(document):
    text = document.read_text()
    assert "../shared" not in text
    missing = [path for path in REPO_PATH.findall(text)
               if "*" not in path and not (REPO_ROOT / path).exists()]
    assert missing == []


def test_commands_are_linux_commands():
    lines = [line for block in code_blocks(README.read_text()) for line in block.splitlines()]
    assert not [line for line in lines if re.match(r"\s*open\s", line)]


@pytest.fixture(scope="module")
def demo(demo_database, tmp_path_factory):
    """What ./scripts/serve.sh does (the database migrated and seeded with the demo by the
    same commands, see conftest.demo_database): build the search index, serve."""
    work_dir = tmp_path_factory.mktemp("readme")
    regmap = str(Path(sys.executable).parent / "regmap")
    env = {**{k: v for k, v in os.environ.items() if k != "SEARCH_INDEX_DIR"},
           "DATABASE_URL": demo_database, "VAR_DIR": str(work_dir)}
    done = subprocess.run([regmap, "search", "reindex"], env=env, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    with serving(demo_database, work_dir) as base:
        yield base


def test_then_try_answers_as_the_readme_says(demo):
    """Each line answers 200, or the status its comment names; the ambiguous postcode names
    both candidates and `place` settles it."""
    answers = {}
    for line in then_try():
        command, _, comment = line.partition("#")
        named = re.search(r"\b([1-5]\d\d)\b", comment)
        expected = int(named.group(1)) if named else 200
        command = command.replace("localhost:8080", demo.removeprefix("http://"))
        done = subprocess.run(["bash", "-c", command + " -w '\\n%{http_code}'"],
                              capture_output=True, text=True, timeout=120)
        body, _, status = done.stdout.rpartition("\n")
        assert (done.returncode, int(status)) == (0, expected), (line, body[:500])
        answers[command.strip()] = body
    ambiguous = next(body for command, body in answers.items()
                     if command.endswith("plz=21465'"))
    assert '"Reinbek, Stadt"' in ambiguous and '"Wentorf bei Hamburg"' in ambiguous
    answered = {command.split("?", 1)[1].rstrip("'"): json.loads(body)
                for command, body in answers.items() if "competence?" in command}
    # A past day: the dissolved Gemeinde's own authority, not its successor's.
    then = answered["evidence_type=gewerbeanzeige&ags=16061097&at=2023-06-01"]
    assert (then["provider"]["code"], then["municipality"]["ags"]) == \
        ("gemeinde-16061097", "16061097")
    # Today the same key answers through its successor, as the README says.
    now = requests.get(f"{demo}/api/v1/competence", timeout=30, params={
        "evidence_type": "gewerbeanzeige", "ags": "16061097"}).json()
    assert now["provider"]["code"] == "gemeinde-16061119"
    assert now["resolved_via_successor"]["successor"] == "16061119"
    # By Leistungsschlüssel: the service and the one evidence type it requires.
    by_leika = answered["leika=99050012104000&ags=05315000"]
    assert (by_leika["evidence_type"], by_leika["provider"]["code"]) == \
        ("gewerbeanzeige", "gemeinde-05315000")
    assert by_leika["service"]["code"] == "gewerbeanmeldung"


@pytest.mark.parametrize("server", ["gunicorn", "granian"])
def test_the_signature_snippet_verifies_a_signed_answer(demo_database, tmp_path, server):
    """The README's verification snippet, run as written against a server that signs, under
    both servers `regmap serve` offers (granian sends header names in lower case)."""
    from app.edge.signing import new_private_key_pem
    text = README.read_text()
    start = text.index("An integrator asks and verifies")
    snippet = re.search(r"```python\n(.*?)```", text[start:], re.S).group(1)
    snippet = "\n".join(line.removeprefix("  ") for line in snippet.splitlines())
    key = tmp_path / "signing.pem"
    key.write_bytes(new_private_key_pem())
    with serving(demo_database, tmp_path / "var", env={"SIGNING_KEYS": str(key)},
                 server=server) as base:
        done = subprocess.run([sys.executable, "-c",
                               snippet.replace("http://localhost:8080", base)],
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("verified with key ")


def test_the_registration_example_is_accepted(client):
    """The README's registration body, as written, is a registration awaiting review."""
    text = README.read_text()
    start = text.index("A complete registration")
    block = code_blocks(text[start:])[0]
    body = json.loads(block.split("-d '", 1)[1].rsplit("'", 1)[0])
    r = client.post("/api/v1/registrations", json=body)
    assert r.status_code == 201, r.get_data(as_text=True)
    assert r.json["status"] == "pending"
