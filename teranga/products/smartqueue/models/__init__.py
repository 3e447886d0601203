"""SmartQueue (seed 002): services, queues, counters, tickets, appointments, locations.

* ``catalog``: what an organisation offers at its branches — services with opening
  hours, queues (one service at one branch, a type, a letter and a strategy), counters
  that serve a set of queues, agent sessions on them, and kiosk keys.
* ``tickets``: tickets with their gapless day numbers and append-only event log, paid
  ticket orders, appointments (a scheduling booking), and SMS usage per month.
* ``forecast``: arrival forecasts per branch, service and hour, and the
  organisation's staffing target.
* ``travel``: users' last positions (kept only while needed) and the travel-time model.
"""

from .catalog import (  # noqa: F401
    AgentSession,
    Counter,
    Kiosk,
    Queue,
    QueueDay,
    QueueKind,
    QueueService,
    ServiceCategory,
    ServiceHours,
    Strategy,
)
from .forecast import ArrivalForecast, StaffingTarget  # noqa: F401
from .tickets import (  # noqa: F401
    ACTIVE_STATUSES,
    AT_COUNTER_STATUSES,
    CLASS_RANK,
    FINAL_STATUSES,
    Appointment,
    AppointmentStatus,
    Channel,
    OrderStatus,
    SmsUsage,
    Ticket,
    TicketClass,
    TicketEvent,
    TicketOrder,
    TicketStatus,
)
from .travel import TravelMode, TravelModel, UserLocation  # noqa: F401
