"""Settings of the server ``benchmarks.analytics_collect`` starts: those of
``benchmarks.api_overhead`` (throttles out of the way) with the naive endpoint added."""

from benchmarks.api_overhead_settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.analytics_collect_urls"
