"""Task priorities: one small named set, set where a task is declared
(``@task(priority=CRITICAL)``).

A worker always takes the queued task of highest priority, oldest first among equals:
huey's SQLite storage orders its queue by priority, and at scale the Redis storage is
huey's priority one (``PriorityRedisHuey``, a sorted set). Django's Tasks API hands a
task's ``priority`` to huey as it is (``huey.contrib.djhuey.tasks_backend``); huey's own
periodic jobs run at ``NORMAL``.

- ``CRITICAL``: what a person is waiting for right now: the sends of notifications, SMS
  and account emails (the receipt, a verification code), and a succeeded payment's
  fulfilment when it is retried (it first runs right after the success commits, in the
  same request or task: ``payments.services.fulfilment``).
- ``NORMAL``: everything else by default, and the sends of notification types that
  nobody waits on at once (``NotificationType.send_priority``: an invoice issued).
- ``DOCUMENTS``: heavy documents nobody waits on at once: invoice PDF renders (a
  download renders a missing PDF itself), exports.

A priority orders the queue; it does not pre-empt: a worker thread busy with a document
finishes it first. A backlog of documents therefore delays a critical task by at most one
document's rendering per worker thread.
"""

from __future__ import annotations

from django_tasks.base import DEFAULT_TASK_PRIORITY

CRITICAL = 50
NORMAL = DEFAULT_TASK_PRIORITY  # 0
DOCUMENTS = -50

__all__ = ["CRITICAL", "DOCUMENTS", "NORMAL"]
