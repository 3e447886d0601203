"""The CSV export of a site's report (``GET /api/v1/analytics/sites/{id}/export/``).

UTF-8 with a byte-order mark, comma separated, one header row with these columns:
``section`` (``summary``, ``timeseries``, ``pages``, ``sources``, ``utm_sources``, …,
``goals``, ``funnel:<name>``), ``name`` (the metric, bucket, page, source … or step),
``value`` (a summary metric's value in the period), ``previous`` (the same in the
previous period), ``visitors``, ``visits``, ``pageviews``. Aggregates only: no visitor
hash, no event. Every export is recorded in the audit log. Text cells that a spreadsheet
would read as a formula are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.utils import timezone

from teranga.platform.audit.models import AuditAction
from teranga.platform.audit.services import audit_record

from .models import Site
from .selectors import BREAKDOWNS, site_report

COLUMNS = ("section", "name", "value", "previous", "visitors", "visits", "pageviews")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class ExportFile:
    content: bytes
    content_type: str
    filename: str


def _text(value) -> str:
    value = str(value)
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def report_csv(report: dict) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for metric, card in report["cards"].items():
        writer.writerow(["summary", metric, card["value"], card["previous"], "", "", ""])
    for point in report["timeseries"]:
        bucket = point["bucket"].isoformat(timespec="minutes")
        writer.writerow(
            ["timeseries", bucket, "", "", point["visitors"], point["visits"], point["pageviews"]]
        )
    for row in report["pages"]:
        writer.writerow(
            ["pages", _text(row["name"]), "", "", row["visitors"], "", row["pageviews"]]
        )
    for section in BREAKDOWNS:
        for row in report[section]:
            writer.writerow(
                [section, _text(row["name"]), "", "", row["visitors"], row["visits"], ""]
            )
    for goal in report["goals"]:
        writer.writerow(
            ["goals", _text(goal["name"]), goal["conversion_rate"], "", goal["visitors"], "", ""]
        )
    for funnel in report["funnels"]:
        for step in funnel["steps"]:
            writer.writerow(
                [
                    _text(f"funnel:{funnel['name']}"),
                    _text(step["name"]),
                    step["conversion_rate"],
                    "",
                    step["visitors"],
                    "",
                    "",
                ]
            )
    return out.getvalue().encode("utf-8")


def report_export(*, site: Site, period: str) -> ExportFile:
    """The report of ``site`` over ``period`` as CSV, recorded in the audit log. Access
    is checked by the caller (``analytics.view``)."""
    report = site_report(site=site, period=period)
    audit_record(
        action=AuditAction.DATA_EXPORTED,
        organization=site.organization,
        object_type="analytics.site",
        object_id=str(site.pk),
        summary=f"Analytics report exported (csv, {period})",
        after={"format": "csv", "period": period, "site": str(site.pk)},
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    return ExportFile(
        report_csv(report),
        "text/csv; charset=utf-8",
        f"analytics-{site.public_id}-{period}-{stamp}.csv",
    )
