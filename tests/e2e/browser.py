"""What the browser tests need and whether this machine has it; the hooks in
tests/conftest.py report it (pytest reads header hooks only from the top conftest)."""
import json
import os
import shutil
import subprocess
from importlib.metadata import version
from pathlib import Path

import pytest

from app.config import REPO_ROOT

E2E_DIR = Path(__file__).resolve().parent
AXE = E2E_DIR / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO_ROOT / "var" / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]
DM_EMAIL, DM_PASSWORD = "datenmanagement@fks.example", "ein-sicheres-Passwort-1"
# axe rule sets for WCAG 2.1 A/AA (what BITV 2.0 asks) and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def chromium_path():
    return shutil.which(os.environ.get("CHROMIUM", "chromium"))


def unavailable():
    reason = os.environ.get("REGMAP_E2E_UNAVAILABLE")
    if reason:
        return reason
    if not chromium_path():
        return "chromium is not installed (scripts/test.sh installs it where it can)"
    if not AXE.exists():
        return "axe-core is not installed in tests/e2e/node_modules (npm ci --prefix tests/e2e)"
    return None


def _chromium_version():
    try:
        return subprocess.run([chromium_path(), "--version"], capture_output=True, text=True,
                              timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def report_header():
    reason = unavailable()
    if reason:
        return [f"browser tests: SKIPPED — {reason}"]
    axe_version = json.loads((AXE.parent / "package.json").read_text())["version"]
    return [f"browser tests: {_chromium_version()} at {chromium_path()}, "
            f"playwright {version('playwright')} (Python), axe-core {axe_version}"]


_selected = []  # browser tests in this run (set at collection)


def terminal_summary(terminalreporter):
    if not _selected:
        return
    reason = unavailable()
    if reason:
        terminalreporter.write_sep("!", "BROWSER TESTS SKIPPED", red=True, bold=True)
        terminalreporter.write_line(f"tests/e2e did not run: {reason}", red=True, bold=True)
    else:
        terminalreporter.write_line(report_header()[0])
        terminalreporter.write_line(f"browser screenshots: {ARTIFACTS}")


def skip_unless_available(items):
    _selected[:] = [item for item in items if E2E_DIR in Path(item.fspath).parents]
    reason = unavailable()
    if reason:
        for item in _selected:
            item.add_marker(pytest.mark.skip(reason=f"BROWSER TESTS SKIPPED: {reason}"))
