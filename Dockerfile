# syntax=docker/dockerfile:1
# One image for every role of Teranga: web (HTTP and WebSockets), worker, scheduler and
# migrate, chosen by the command (deploy/entrypoint.sh). Build it from the repository root:
#   docker build -t teranga:1.0.0 .
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- builder: wheels of the runtime dependencies (not the dev extras) -----------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
# Only pyproject.toml: this layer is rebuilt when the dependencies change, not the code.
# `pip wheel .` then builds a wheel of every dependency (all of them ship binary wheels
# for CPython 3.11 on Linux) plus an empty one of the project, which is dropped: the
# code itself is copied into the runtime stage as it is in the repository.
COPY pyproject.toml ./
RUN pip wheel --wheel-dir /wheels . \
 && rm -f /wheels/teranga-*.whl

# --- runtime ---------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
# WeasyPrint (PDF exports and invoices) loads Pango, HarfBuzz and fontconfig, and needs
# a font. postgresql-client gives pg_dump/pg_restore to `manage.py backup`/`restore`
# (psycopg itself ships its own libpq in its binary wheel).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
      postgresql-client \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 teranga \
 && useradd --system --uid 10001 --gid teranga --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin teranga

RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --disable-pip-version-check /wheels/*.whl

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATA_DIR=/app/var \
    XDG_CACHE_HOME=/tmp/.cache
WORKDIR /app
# The code belongs to root and is read-only to the app's user (see .dockerignore for what
# stays out: the virtualenv, var/, tests, secrets).
COPY . /app

# Static files are collected at build time into DATA_DIR/static, in PRODUCTION mode (the
# manifest storage that WhiteNoise serves). The SECRET_KEY of this step is a throwaway
# build argument: settings refuse PRODUCTION without one, and collectstatic signs
# nothing. It is never set in the image's environment: give the real one at run time.
ARG COLLECTSTATIC_SECRET_KEY=collectstatic-only-not-a-secret
RUN PRODUCTION=true SECRET_KEY="$COLLECTSTATIC_SECRET_KEY" \
      python manage.py collectstatic --noinput --verbosity 0 \
 && find /app/var -mindepth 1 -maxdepth 1 ! -name static -exec rm -rf {} + \
 && python -m compileall -q /app/config /app/teranga \
 && chmod 0755 /app/deploy/entrypoint.sh \
 && chown teranga:teranga /app/var

USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py"]
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["web"]
