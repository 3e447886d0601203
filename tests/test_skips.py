"""No silent skips (issue 24): pytest runs in a subprocess on tiny test files, with the
plugin of ``tests/skips.py``, with and without CI=true, on either leg."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MISSING_BROWSER = """
from tests.skips import require

require("Chromium (/nowhere/chromium)", False, "apt-get install chromium")


def test_board():
    pass
"""

SKIPS = """
import pytest

from tests.skips import mark_skip_on_leg, skip_on_leg


@mark_skip_on_leg("sqlite", "PostgreSQL only")
def test_declared_mark():
    pass


def test_declared_call():
    skip_on_leg("sqlite", "the exclusion constraint")


def test_plain():
    pass
"""

UNDECLARED = """
import pytest


def test_forgotten():
    pytest.skip("Redis is down")
"""

LIBRARY_SKIP = """
import pytest

from tests.skips import mark_expected_skip


@mark_expected_skip("postgresql", "Impossible to generate")
def test_declared_library_skip():
    pytest.skip("Impossible to generate negative test cases")


@mark_expected_skip("postgresql", "Impossible to generate")
def test_other_reason():
    pytest.skip("Redis is down")
"""

MISSING_IN_TEST = """
from tests.skips import require


def test_needs_npm():
    require("npm", False, "apt-get install nodejs npm")
"""


def run(tmp_path: Path, files: dict[str, str], **env: str) -> tuple[int, str]:
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # this folder is the rootdir
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"CI", "DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
        and not key.startswith(("PYTEST_", "TERANGA_"))
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.skips", "-p", "no:django"]
        + ["-p", "no:cacheprovider", "-q", "-rs", str(tmp_path)],
        cwd=tmp_path,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    return result.returncode, result.stdout + result.stderr


def test_under_ci_a_missing_chromium_fails_the_run_saying_what_to_install(tmp_path):
    code, output = run(tmp_path, {"test_board.py": MISSING_BROWSER}, CI="true")
    assert code != 0, output
    assert "CI=true and Chromium (/nowhere/chromium) is missing: apt-get install chromium" in (
        output
    )
    assert "1 passed" not in output


def test_without_ci_a_missing_requirement_skips_and_the_summary_says_ci_would_fail(tmp_path):
    code, output = run(tmp_path, {"test_board.py": MISSING_BROWSER, "test_npm.py": MISSING_IN_TEST})
    assert code == 0, output
    assert "skipped on the sqlite leg: 2" in output
    assert "1  Chromium (/nowhere/chromium) is missing: apt-get install chromium" in output
    assert "1  npm is missing: apt-get install nodejs npm" in output
    assert "2 skipped test(s) not declared as expected on the sqlite leg" in output
    assert "would fail under CI=true" in output


def test_under_ci_a_missing_requirement_inside_a_test_fails_that_test(tmp_path):
    code, output = run(tmp_path, {"test_npm.py": MISSING_IN_TEST}, CI="true")
    assert code == 1, output
    assert "1 failed" in output
    assert "CI=true and npm is missing: apt-get install nodejs npm" in output


def test_under_ci_an_undeclared_skip_fails_the_run_and_is_named(tmp_path):
    code, output = run(tmp_path, {"test_skips.py": SKIPS, "test_other.py": UNDECLARED}, CI="true")
    assert code == 1, output
    assert "1 passed, 3 skipped" in output  # every test passed or skipped...
    assert "skipped on the sqlite leg: 3" in output
    assert "2  [expected on the sqlite leg] " not in output  # two reasons, one each
    assert "1  [expected on the sqlite leg] PostgreSQL only" in output
    assert "1  Redis is down" in output
    # ...and yet the run fails, naming the one skip that is not declared.
    assert "1 skipped test(s) not declared as expected on the sqlite leg: fails the run" in output
    assert "test_other.py::test_forgotten" in output
    assert "test_skips.py::test_declared" not in output.split("not declared")[1]


def test_under_ci_declared_skips_pass_and_the_report_file_counts_them(tmp_path):
    report = tmp_path / "skips.txt"
    code, output = run(
        tmp_path, {"test_skips.py": SKIPS}, CI="true", TERANGA_SKIP_REPORT=str(report)
    )
    assert code == 0, output
    assert "1 passed, 2 skipped" in output
    lines = report.read_text().splitlines()
    assert lines[0] == "skipped on the sqlite leg: 2"
    assert "not declared" not in report.read_text()


def test_on_the_postgresql_leg_the_sqlite_skips_run(tmp_path):
    code, output = run(
        tmp_path,
        {"test_skips.py": SKIPS},
        CI="true",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/unused",
    )
    assert code == 0, output
    assert "3 passed" in output
    assert "skipped on the postgresql leg: 0" in output


def test_a_library_skip_is_declared_by_its_reason_on_its_leg_only(tmp_path):
    files = {"test_library.py": LIBRARY_SKIP}
    postgresql = "postgres://postgres@127.0.0.1:5432/unused"
    code, output = run(tmp_path, files, CI="true", DATABASE_URL=postgresql)
    assert code == 1, output
    assert "1  [expected on the postgresql leg] Impossible to generate negative test cases" in (
        output
    )
    assert "1 skipped test(s) not declared" in output
    assert "test_library.py::test_other_reason: Redis is down" in output

    code, output = run(tmp_path, files, CI="true")  # the SQLite leg: not declared there
    assert code == 1, output
    assert "2 skipped test(s) not declared as expected on the sqlite leg" in output
