"""The periodic backup: registered in huey's scheduler with the crontab of BACKUP_CRON,
absent when it is empty (the default). Checked in real processes, since the task is
registered (or not) when the settings are read."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from teranga.platform.backups.tasks import TASK_NAME, backup_schedule
from tests.live import manage

REGISTERED = """
from datetime import datetime
from huey.contrib.djhuey import HUEY
from teranga.platform.backups import tasks

def due(*moment):
    return [task.name for task in HUEY.read_periodic(datetime(*moment))]

print("REGISTERED", hasattr(tasks, "backup_periodic_task"))
print("DUE", due(2026, 12, 7, 2, 15))
print("NOT DUE", due(2026, 12, 7, 3, 15))
if hasattr(tasks, "backup_periodic_task"):
    print("RAN", tasks.backup_periodic_task.call_local())
"""


def test_backup_cron_schedules_the_backup(site, tmp_path):
    site["BACKUP_CRON"] = "15 2 * * *"
    out = manage("shell", "-c", REGISTERED, env=site)
    assert "REGISTERED True" in out
    due = next(line for line in out.splitlines() if line.startswith("DUE"))
    not_due = next(line for line in out.splitlines() if line.startswith("NOT DUE"))
    assert TASK_NAME in due and TASK_NAME not in not_due
    # Run by a worker, the task makes a backup in BACKUP_TARGET.
    name = next(line for line in out.splitlines() if line.startswith("RAN")).split()[1]
    assert (tmp_path / "backups" / name).is_file()


def test_without_backup_cron_no_periodic_backup(site, tmp_path):
    out = manage("shell", "-c", REGISTERED, env=site)
    assert "REGISTERED False" in out and TASK_NAME not in out
    assert not (tmp_path / "backups").exists()


@pytest.mark.parametrize(
    "expression",
    ["0 3 * *", "0 3 * * * *", "61 3 * * *", "0 24 * * *", "0 3 * 13 *", "0 3 x * *"],
)
def test_a_wrong_backup_cron_is_refused(expression):
    with pytest.raises(ImproperlyConfigured, match="BACKUP_CRON"):
        backup_schedule(expression)


def test_backup_cron_reads_the_five_fields_in_order():
    from datetime import datetime

    schedule = backup_schedule("30 4 1 6 *")  # 04:30 on June 1st
    assert schedule(datetime(2027, 6, 1, 4, 30))
    assert not schedule(datetime(2027, 6, 1, 4, 31))
    assert not schedule(datetime(2027, 6, 2, 4, 30))
    assert not schedule(datetime(2027, 7, 1, 4, 30))
    weekly = backup_schedule("0 2 * * 0")  # Sundays at 02:00 (2027-06-06 is a Sunday)
    assert weekly(datetime(2027, 6, 6, 2, 0)) and not weekly(datetime(2027, 6, 7, 2, 0))
