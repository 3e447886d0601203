"""Settings of the server ``benchmarks.api_overhead`` starts: the real settings, with the
baseline endpoint (``benchmarks.api_overhead_urls``) and the throttles out of the way."""

from config.settings import *  # noqa: F403
from config.settings import REST_FRAMEWORK

ROOT_URLCONF = "benchmarks.api_overhead_urls"
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": dict.fromkeys(
        REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "10000000/min"
    ),
}
