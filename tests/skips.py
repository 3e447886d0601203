"""No silent skips: the two ways a test may skip, and the pytest plugin that counts them.

* ``skip_on_leg(leg, reason)`` / ``mark_skip_on_leg(leg, reason)``: the test does not
  belong to that leg of CI (``"sqlite"``, the embedded default, or ``"postgresql"``, the
  PostgreSQL + Redis leg). It skips on that leg only, and the reason says so.
  ``skip_module_on_leg`` does the same for a whole module, before it is even collected.
* ``mark_expected_skip(leg, reason)``: a skip that a library raises itself (schemathesis
  has no invalid data to make for an operation without parameters) is expected on that
  leg when its reason starts with ``reason``.
* ``require(what, ok, how_to_fix)``: the test needs something from the machine (Chromium,
  Redis, PostgreSQL, npm). Missing, it skips on a developer's machine, and fails the test
  under ``CI=true``, saying what is missing and how to install it.

The plugin (registered by the root ``conftest.py``) prints the skipped tests per reason on
every run. Under ``CI=true`` a skip that is not declared for the current leg (any other
``pytest.skip``, ``skipif`` or ``importorskip``) makes the run fail.

It lives in ``tests/`` and not in ``teranga/core``: it imports pytest, a dev dependency
that the production image does not install. pytest has no notion of "expected skips" and
no plugin we found does this, hence this small module.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest

LEGS = ("sqlite", "postgresql")
#: The prefix of a declared skip's reason: ``[expected on the sqlite leg] ...``.
DECLARED = re.compile(r"^\[expected on the (?P<leg>[a-z]+) leg\] ")
#: Where ``.ci/run`` asks for the summary (a file per leg); unset: not written.
REPORT_ENV = "TERANGA_SKIP_REPORT"
REASON_CAP = 200  # characters of a reason shown in the summary
LISTED_CAP = 20  # undeclared skips listed by name


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def current_leg() -> str:
    """``"postgresql"`` when DATABASE_URL names PostgreSQL, else ``"sqlite"``."""
    return "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"


def _declared(leg: str, reason: str) -> str:
    if leg not in LEGS:
        raise ValueError(f"unknown leg {leg!r}: one of {', '.join(LEGS)}")
    return f"[expected on the {leg} leg] {reason}"


def skip_on_leg(leg: str, reason: str) -> None:
    """Skip (in a test or a fixture) when running on ``leg``; elsewhere, do nothing."""
    reason = _declared(leg, reason)
    if current_leg() == leg:
        pytest.skip(reason)


def mark_skip_on_leg(leg: str, reason: str) -> pytest.MarkDecorator:
    """The same as a decorator: skipped before any fixture is set up."""
    return pytest.mark.skipif(current_leg() == leg, reason=_declared(leg, reason))


def skip_module_on_leg(leg: str, reason: str) -> None:
    """At the top of a module, before anything costly runs at import or collection: the
    whole module does not belong to that leg and is skipped as one (one declared skip of
    the module in the leg's report, none of its tests collected)."""
    reason = _declared(leg, reason)
    if current_leg() == leg:
        pytest.skip(reason, allow_module_level=True)


def mark_expected_skip(leg: str, reason: str) -> pytest.MarkDecorator:
    """Declares a skip that a library raises itself (schemathesis skips an operation that
    has nothing to make invalid): on ``leg``, a skip of this test whose reason starts with
    ``reason`` is expected."""
    _declared(leg, reason)  # checks the leg's name
    return pytest.mark.expected_skip(leg=leg, reason=reason)


def require(what: str, ok: bool, how_to_fix: str) -> None:
    """A requirement of the machine: skip without it, or fail under CI=true.

    Works in a test, a fixture or at module level (then, under CI, collection fails and
    the run stops at once with the message)."""
    if ok:
        return
    if in_ci():
        pytest.fail(f"CI=true and {what} is missing: {how_to_fix}", pytrace=False)
    pytest.skip(f"{what} is missing: {how_to_fix}", allow_module_level=True)


def _reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return text.removeprefix("Skipped: ")


class SkipLedger:
    """Collects every skip (of a test or of a whole module) and judges it at the end."""

    def __init__(self) -> None:
        self.leg = current_leg()
        self.skips: list[tuple[str, str]] = []  # (node id, reason)

    def _record(self, report) -> None:
        if report.skipped and not hasattr(report, "wasxfail"):
            self.skips.append((report.nodeid, _reason(report)))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call):
        """A skip matching the test's ``expected_skip`` mark gets the declared prefix."""
        report = yield
        if report.skipped and isinstance(report.longrepr, tuple):
            path, lineno, reason = report.longrepr
            reason = reason.removeprefix("Skipped: ")
            for mark in item.iter_markers("expected_skip"):
                if mark.kwargs["leg"] == self.leg and reason.startswith(mark.kwargs["reason"]):
                    report.longrepr = (path, lineno, f"Skipped: {_declared(self.leg, reason)}")
                    break
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._record(report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        self._record(report)

    def undeclared(self) -> list[tuple[str, str]]:
        return [
            (nodeid, reason)
            for nodeid, reason in self.skips
            if not ((match := DECLARED.match(reason)) and match["leg"] == self.leg)
        ]

    def summary(self) -> list[str]:
        lines = [f"skipped on the {self.leg} leg: {len(self.skips)}"]
        for reason, count in Counter(reason for _, reason in self.skips).most_common():
            shown = reason if len(reason) <= REASON_CAP else reason[: REASON_CAP - 1] + "…"
            lines.append(f"  {count:5d}  {shown}")
        undeclared = self.undeclared()
        if undeclared:
            verdict = "fails the run (CI=true)" if in_ci() else "would fail under CI=true"
            lines.append(
                f"{len(undeclared)} skipped test(s) not declared as expected on the "
                f"{self.leg} leg: {verdict}. Use tests.skips.skip_on_leg for a test that "
                "does not belong to this leg, or tests.skips.require for a missing tool:"
            )
            lines += [
                f"  {nodeid}: {reason[:REASON_CAP]}" for nodeid, reason in undeclared[:LISTED_CAP]
            ]
            if len(undeclared) > LISTED_CAP:
                lines.append(f"  … and {len(undeclared) - LISTED_CAP} more")
        return lines

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        passing = {pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED}
        if in_ci() and self.undeclared() and session.exitstatus in passing:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if path := os.environ.get(REPORT_ENV):
            Path(path).write_text("\n".join(self.summary()) + "\n")

    def pytest_terminal_summary(self, terminalreporter) -> None:
        lines = self.summary()
        terminalreporter.section("skips", bold=True, red=bool(self.undeclared()))
        for line in lines:
            terminalreporter.write_line(line)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "expected_skip(leg, reason): a library's own skip, expected on that leg"
    )
    config.pluginmanager.register(SkipLedger(), "teranga-skip-ledger")
