# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install run test lint migrate demo messages bench system-packages

# WeasyPrint (PDF exports and invoices) needs Pango and a font from Debian; the browser
# tests (display board, agent console) drive Debian's Chromium with Playwright.
SYSTEM_LIBS := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core chromium
# The generated TypeScript client's check (tests/test_generated_clients.py) runs npm:
# Debian's Node.js and npm, unless a Node.js with npm is already there.
NODE_PACKAGES := nodejs npm

system-packages:
	@dpkg -s $(SYSTEM_LIBS) >/dev/null 2>&1 || { \
	  echo "Installing Debian packages: $(SYSTEM_LIBS)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_LIBS); }
	@command -v npm >/dev/null 2>&1 || { \
	  echo "Installing Debian packages: $(NODE_PACKAGES)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(NODE_PACKAGES); }

$(STAMP): pyproject.toml | system-packages
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo

# Web + WebSockets + task worker + scheduler, in one process (embedded default), or
# against PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set.
run: demo
	$(BIN)/python manage.py serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Benchmarks (figures printed against a baseline measured in the same run). They use
# their own throwaway database: SQLite by default, PostgreSQL when DATABASE_URL is set.
# The board fan-out runs on Redis: REDIS_URL, or the one on 127.0.0.1:6379 (database 13).
bench: install
	@command -v wrk >/dev/null 2>&1 || { echo "Installing Debian package: wrk"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	$(BIN)/python -m benchmarks.api_overhead
	$(BIN)/python -m benchmarks.slots
	$(BIN)/python -m benchmarks.booking_concurrency
	$(BIN)/python -m benchmarks.webhook_storm
	$(BIN)/python -m benchmarks.invoice_numbering
	$(BIN)/python -m benchmarks.coupon_last_use
	$(BIN)/python -m benchmarks.notification_throughput
	$(BIN)/python -m benchmarks.chat_fanout
	$(BIN)/python -m benchmarks.smartqueue_take_ticket
	$(BIN)/python -m benchmarks.smartqueue_call_next
	$(BIN)/python -m benchmarks.smartqueue_board_fanout --redis-url $${REDIS_URL:-redis://127.0.0.1:6379}
	$(BIN)/python -m benchmarks.campus_onsale_rush
	$(BIN)/python -m benchmarks.campus_checkin
	$(BIN)/python -m benchmarks.campus_nearby
	$(BIN)/python -m benchmarks.campus_recommendations
	$(BIN)/python -m benchmarks.campus_analytics
	$(BIN)/python -m benchmarks.campus_group_feed
	$(BIN)/python -m benchmarks.campus_leaderboard
	$(BIN)/python -m benchmarks.campus_invitations

# Recompile the message catalogues (fr, en, wo) after editing the .po files.
messages: install
	$(BIN)/python -m teranga.core.compile_messages
