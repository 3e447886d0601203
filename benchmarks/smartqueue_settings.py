"""Settings of the server the SmartQueue benchmarks start: the real settings, with the
baseline endpoint (``benchmarks.smartqueue_baseline``) and throttles out of the way."""

from config.settings import *  # noqa: F403
from config.settings import REST_FRAMEWORK

ROOT_URLCONF = "benchmarks.smartqueue_baseline"
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        "user": "10000000/min",
        "smartqueue_tickets": "10000000/min",
        "smartqueue_ticket_lookup": "10000000/min",
    },
}
