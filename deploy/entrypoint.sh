#!/bin/sh
# The image's entrypoint: the first argument names the role, anything else runs as given.
#   web        HTTP and WebSockets (uvicorn, WEB_WORKERS processes, default 2)
#   worker     task worker: TASK_WORKERS threads (default 4), no periodic jobs
#   scheduler  the periodic jobs (and one task thread); run exactly one
#   migrate    apply the database migrations, then exit (a one-off job)
# Extra arguments after a role are passed on to its command, e.g. `worker --verbose`.
# Each role execs its process, which then receives the stop signal (SIGTERM) itself.
set -eu

role="${1:-web}"
if [ "$#" -gt 0 ]; then
    shift
fi

case "$role" in
    web)
        exec python manage.py serve --host 0.0.0.0 --port 8000 \
            --workers "${WEB_WORKERS:-2}" "$@"
        ;;
    worker)
        exec python manage.py run_huey --workers "${TASK_WORKERS:-4}" \
            --worker-type thread --no-periodic "$@"
        ;;
    scheduler)
        exec python manage.py run_huey --workers 1 --worker-type thread "$@"
        ;;
    migrate)
        exec python manage.py migrate --noinput "$@"
        ;;
    *)
        exec "$role" "$@"
        ;;
esac
