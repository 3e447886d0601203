"""SmartQueue's organisation actions (see ``organizations.access``)."""

QUEUE_MANAGE = "smartqueue.manage"
QUEUE_VIEW = "smartqueue.view"
COUNTER_OPERATE = "smartqueue.counter.operate"
TICKETS_VIEW = "smartqueue.tickets.view"
STATS_VIEW = "smartqueue.stats.view"
