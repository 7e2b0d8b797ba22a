"""The structure ARCHITECTURE.md draws, checked: the import-linter contracts of setup.cfg
(layers, no cycles), and the rules that have one owner each."""
import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"


def lint_imports(cwd):
    """lint-imports with the project's contracts, on the `app` package found in `cwd`."""
    return subprocess.run(
        [sys.executable, "-c", "import sys; sys.path.insert(0, '.'); "
         "from importlinter.cli import lint_imports_command; lint_imports_command()",
         "--config", str(cwd / "setup.cfg"), "--no-cache"],
        cwd=cwd, capture_output=True, text=True, timeout=120)


def modules():
    for path in sorted(APP.rglob("*.py")):
        yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def test_the_import_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


@pytest.mark.parametrize("module, wrong_import, broken", [
    # The record (a low layer) reaching up into the web pages.
    ("app/record/audit.py", "from ..web import blueprint",
     "app.record is not allowed to import app.web"),
    # The catalogue reaching up into governance, which sits above it.
    ("app/catalog/rules.py", "from ..governance import users",
     "app.catalog is not allowed to import app.governance"),
    # Two capabilities of one layer depending on each other.
    ("app/search/schemas.py", "from ..competence import answer",
     "app.search is not allowed to import app.competence"),
])
def test_a_wrong_import_breaks_the_contracts(tmp_path, module, wrong_import, broken):
    shutil.copytree(APP, tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "setup.cfg", tmp_path / "setup.cfg")
    target = tmp_path / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{wrong_import}  # noqa\n",
                      encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert broken in " ".join(result.stdout.split())


def test_a_module_outside_every_layer_breaks_the_contracts(tmp_path):
    # The layers contract is exhaustive: a new module directly in app/ must be given a layer.
    shutil.copytree(APP, tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "setup.cfg", tmp_path / "setup.cfg")
    (tmp_path / "app" / "stray.py").write_text('"""Placed nowhere."""\n', encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "app.stray" in result.stdout


def test_only_app_factory_entry_points_and_settings_live_directly_in_app():
    assert sorted(p.name for p in APP.glob("*.py")) == [
        "__init__.py", "cli.py", "config.py", "granian_wsgi.py", "gunicorn_conf.py", "wsgi.py"]


def test_only_routes_web_pages_and_the_http_boundary_read_the_request():
    # Where reading the request is the module's job: routes and web pages, and the HTTP
    # boundary: its conventions (If-Match, paging, the Authorization header), the one error
    # mapping (a problem's `instance`) and request ids.
    boundary = {"app/http/conventions.py", "app/http/errors.py", "app/http/observability.py"}
    readers = set()
    for name, tree in modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "flask" \
                    and any(alias.name == "request" for alias in node.names):
                readers.add(name)
            if isinstance(node, ast.Attribute) and node.attr == "request" \
                    and isinstance(node.value, ast.Name) and node.value.id == "flask":
                readers.add(name)
    outside = {n for n in readers - boundary
               if not (n.endswith("routes.py") or n.startswith("app/web/"))}
    assert not outside, f"flask.request read outside routes and web modules: {outside}"


def test_no_caller_asks_which_kind_of_collection_it_holds():
    for name, tree in modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "isinstance" \
                    and "Collection" in ast.unparse(node.args[1]):
                pytest.fail(f"{name}:{node.lineno} tests a collection's class")


def test_who_sees_connection_parameters_is_written_once():
    """The roles are named in access/policy.py; every other module asks the policy."""
    named_there = []
    for name, tree in modules():
        for node in ast.walk(tree):
            if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
                names = {getattr(e, "id", None) or getattr(e, "value", None) for e in node.elts}
                if {"ROUTING", "routing"} & names and {"ADMIN", "admin"} & names \
                        and {"DATA_MANAGER", "data_manager"} & names \
                        and not {"AUDITOR", "auditor"} & names:
                    named_there.append(name)
    assert named_there == ["app/access/policy.py"]


def role_tests(source):
    """Where `source` decides by a role outside the policy: a comparison with an actor's
    `.role` or with a role constant (`role in CURATORS`), or a role name spelled out."""
    from app.access import roles
    names = {n for n in vars(roles) if n.isupper()}
    values = set(roles.ROLES) | {roles.ANONYMOUS}
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(isinstance(s, ast.Attribute) and s.attr == "role"
                   or isinstance(s, ast.Name) and s.id in names for s in sides):
                found.append(f"{node.lineno}: {ast.unparse(node)}")
        if isinstance(node, ast.Constant) and node.value in values:
            found.append(f"{node.lineno}: {node.value!r}")
    return found


def test_roles_are_tested_only_in_access():
    """Who sees and may do what is decided in app/access/ (policy.py); elsewhere code asks it
    (`requires(*CURATORS)` names who may call, which is no test of a role)."""
    found = {name: role_tests(path.read_text(encoding="utf-8"))
             for path in sorted(APP.rglob("*.py"))
             if not (name := path.relative_to(ROOT).as_posix()).startswith("app/access/")}
    assert {name: lines for name, lines in found.items() if lines} == {}


@pytest.mark.parametrize("wrong", [
    "if actor.role == PROVIDER_ADMIN:\n    pass\n",
    "mine = actor.role in ORGANISATION_ROLES\n",
    "curator = role in CURATORS\n",
    "ADMIN_NAME = 'admin'\n",
])
def test_a_role_test_outside_access_is_refused(wrong):
    # The same check on a deliberately wrong line appended to a real module.
    source = (APP / "catalog" / "offers.py").read_text(encoding="utf-8")
    assert role_tests(source) == []
    assert role_tests(source + wrong)


def test_code_and_key_patterns_live_in_identifiers():
    """The code pattern and the area-key patterns are spelled in app/values/identifiers.py only."""
    spellings = ("[a-z0-9][a-z0-9.-]", "[0-9]{8}", "[0-9]{12}", "[0-9]{9}")
    found = []
    for name, tree in modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and any(s in node.value for s in spellings):
                found.append(name)
    assert set(found) == {"app/values/identifiers.py"}


# The one package whose queries write each table (ARCHITECTURE.md, "Read models"): every
# other package reads it through SQL of its own, never writes it.
TABLE_OWNERS = {
    "record": {"audit_log", "change_counter", "change_feed"},
    "areas": {"area", "area_edition", "area_import", "area_succession", "former_ars",
              "postcode_area", "postcode_curation"},
    "review": {"proposal"},
    "catalog": {"organisation", "register", "register_organisation", "evidence_type",
                "evidence_type_register", "service", "service_requirement",
                "requirement_evidence_list", "requirement_evidence_item", "offer",
                "offer_area", "permission", "eu_requirement", "eu_requirement_evidence_type",
                "jurisdiction_context", "oots_code_list", "oots_code_value"},
    "onboarding": {"onboarding", "deadline", "fachsynchronisation"},
    "governance": {"app_user", "api_token", "registration", "rate_event", "web_session"},
    "competence": {"permission_check"},
}
_WRITE = re.compile(r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE|MERGE\s+INTO)\s+"
                    r"([a-z_]+)\b")


def table_writers(root=APP):
    """{table: {package}} of the SQL strings in `root` that write a table the migrations
    create."""
    migrations = " ".join(p.read_text(encoding="utf-8")
                          for p in (ROOT / "migrations" / "versions").glob("*.py"))
    tables = set(re.findall(r"CREATE TABLE (?:IF NOT EXISTS )?([a-z_]+)", migrations))
    writers = {}
    for path in sorted(root.rglob("*.py")):
        package = path.relative_to(root).parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for table in set(_WRITE.findall(node.value)) & tables:
                    writers.setdefault(table, set()).add(package)
    return writers


def test_each_table_is_written_by_its_owner_only():
    owner_of = {t: package for package, tables in TABLE_OWNERS.items() for t in tables}
    writers = table_writers()
    assert set(writers) <= set(owner_of), "tables written without an owner"
    assert {t: ws for t, ws in writers.items() if ws != {owner_of[t]}} == {}


def test_a_write_from_another_package_breaks_the_rule(tmp_path):
    shutil.copytree(APP, tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__"))
    search = tmp_path / "app" / "search" / "queries.py"
    search.write_text(search.read_text(encoding="utf-8") + (
        "\n\ndef touch(conn):\n    conn.execute(\"UPDATE offer SET version = 1\")\n"),
        encoding="utf-8")
    assert table_writers(tmp_path / "app")["offer"] == {"catalog", "search"}


def test_the_written_map_is_short_and_true():
    """ARCHITECTURE.md: at most ~1,200 words; every package has its section; every module
    its layer diagram names exists; every module path it cites exists."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert len(text.split()) <= 1200
    packages = {p.parent.name for p in APP.glob("*/__init__.py")}
    assert {p for p in packages if f"**{p}**" not in text} == set()
    diagram = text.split("## Layers", 1)[1].split("```")[1]
    named = set()
    for line in diagram.splitlines():
        layer, _, modules = line.partition("  ")
        for name in re.findall(r"[a-z_]+", layer):
            named.add(name)
            for module in re.findall(r"[a-z_]+", modules):
                assert (APP / name / f"{module}.py").exists(), (name, module)
    assert {n for n in named if not ((APP / n).is_dir() or (APP / f"{n}.py").exists())} == set()
    # Every module directly in app/ and every package is in the diagram (the contract's layers).
    assert {p.stem for p in APP.glob("*.py") if p.stem != "__init__"} | packages <= named
    for path in re.findall(r"`([a-z_/]+\.py)", text):
        found = (APP / path).exists() or (ROOT / path).exists() if "/" in path \
            else any(APP.rglob(path))
        assert found, path
