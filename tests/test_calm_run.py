"""A calm `make run` (issue 20): short console emails, one-line text logs in development,
periodic jobs at DEBUG, JSON logs in PRODUCTION."""

from __future__ import annotations

import email
import io
import json
import logging
import os
import subprocess
import sys
from contextlib import contextmanager
from email import policy
from pathlib import Path

import pytest
import structlog
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from huey import MemoryHuey, crontab

from teranga.core import logs

ROOT = Path(__file__).resolve().parent.parent


# --- Console email ----------------------------------------------------------------------


def test_console_email_prints_recipient_subject_and_text_and_keeps_the_eml(tmp_path):
    stream = io.StringIO()
    connection = mail.get_connection(
        "teranga.core.mail_console.EmailBackend", stream=stream, file_path=tmp_path / "mail"
    )
    message = EmailMultiAlternatives(
        subject="Votre code de vérification",
        body="Bonjour Awa,\n\nVotre code : 482913\n\n\n\nL'équipe Teranga",
        from_email="Teranga <no-reply@teranga.local>",
        to=["awa@example.sn"],
        cc=["moussa@example.sn"],
        connection=connection,
    )
    message.attach_alternative("<html><body><p>Bonjour <b>Awa</b></p></body></html>", "text/html")
    message.attach("recu.txt", "reçu", "text/plain")
    assert message.send() == 1

    output = stream.getvalue()
    assert "Email to awa@example.sn" in output
    assert "Cc moussa@example.sn" in output
    assert "Subject: Votre code de vérification" in output
    assert "Votre code : 482913" in output
    assert "L'équipe Teranga" in output
    for mime in ("Content-Type", "MIME-Version", "Content-Transfer-Encoding", "boundary"):
        assert mime not in output
    assert "<p>" not in output and "<html>" not in output
    assert len(output.splitlines()) <= 15  # a few lines, not the ~55 of the MIME source

    files = list((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 1
    assert files[0].name in output  # the summary says where the full message is
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["To"] == "awa@example.sn"
    assert parsed["Subject"] == "Votre code de vérification"
    assert "482913" in parsed.get_body(preferencelist=("plain",)).get_content()
    assert "<b>Awa</b>" in parsed.get_body(preferencelist=("html",)).get_content()
    assert [part.get_filename() for part in parsed.iter_attachments()] == ["recu.txt"]


def test_console_email_of_an_html_only_message_prints_its_text(tmp_path):
    stream = io.StringIO()
    connection = mail.get_connection(
        "teranga.core.mail_console.EmailBackend", stream=stream, file_path=tmp_path
    )
    message = mail.EmailMessage(
        "Rappel",
        "<p>Votre rendez-vous est <b>demain</b>.</p>",
        to=["a@example.sn"],
        connection=connection,
    )
    message.content_subtype = "html"
    message.send()
    output = stream.getvalue()
    assert "Votre rendez-vous est demain." in output
    assert "<p>" not in output and "<b>" not in output
    assert len(list(tmp_path.glob("*.eml"))) == 1


def _settings_in_subprocess(tmp_path, **env) -> dict:
    """The settings module imported (not set up) under an environment of its own."""
    code = (
        "import json, config.settings as s; "
        "print(json.dumps({'backend': s.EMAIL_BACKEND, "
        "'file_path': getattr(s, 'EMAIL_FILE_PATH', None), 'format': s.LOG_FORMAT, "
        "'formatters': list(s.LOGGING['formatters'])}))"
    )
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"EMAIL_URL", "LOG_FORMAT", "PRODUCTION", "DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(DATA_DIR=str(tmp_path), **env)
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_settings_choose_the_backend_and_the_log_format(tmp_path):
    default = _settings_in_subprocess(tmp_path)
    assert default == {
        "backend": "teranga.core.mail_console.EmailBackend",
        "file_path": str(tmp_path / "mail"),
        "format": "text",
        "formatters": ["text"],
    }
    production = _settings_in_subprocess(
        tmp_path,
        PRODUCTION="1",
        SECRET_KEY="calm-run-test",
        ALLOWED_HOSTS="example.sn",
        EMAIL_URL="smtp://user:secret@127.0.0.1:2525",
    )
    assert production["backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (production["format"], production["formatters"]) == ("json", ["json"])
    folder = _settings_in_subprocess(tmp_path, EMAIL_URL=f"filemail://{tmp_path}/out")
    assert folder["backend"] == "django.core.mail.backends.filebased.EmailBackend"
    assert folder["file_path"].endswith("/out")
    assert _settings_in_subprocess(tmp_path, LOG_FORMAT="json")["formatters"] == ["json"]


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logs.log_format("xml", production=False)
    assert logs.log_format("", production=True) == "json"
    assert logs.log_format(" TEXT ", production=True) == "text"


# --- Logs -------------------------------------------------------------------------------


@contextmanager
def captured(logger_names, *, log_format: str, level: str = "INFO"):
    """What the LOGGING of ``log_format`` writes for these loggers, at ``level``."""
    config = logs.logging_config(log_format=log_format, level=level)
    formatter_config = dict(config["formatters"][log_format])
    formatter_class = formatter_config.pop("()")
    filter_config = dict(config["filters"]["quiet"])
    filter_class = filter_config.pop("()")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter_class(**formatter_config))
    handler.addFilter(filter_class(**filter_config))
    saved = []
    for name in logger_names:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level, logger.propagate))
        logger.addHandler(handler)
        logger.setLevel(config["loggers"].get(name, {}).get("level", level))
        logger.propagate = False
    try:
        yield stream
    finally:
        for logger, old_level, propagate in saved:
            logger.removeHandler(handler)
            logger.setLevel(old_level)
            logger.propagate = propagate


REQUEST_LOGGER = "django_structlog.middlewares.request"


@pytest.mark.django_db
def test_a_request_is_one_text_line_with_status_and_milliseconds(client):
    with captured([REQUEST_LOGGER, "django.request"], log_format="text") as stream:
        assert client.get("/health/live/").status_code == 200
        assert client.get("/api/v1/no-such-endpoint/").status_code == 404
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2, lines
    ok, missing = lines
    assert ok.split()[1:4] == ["INFO", "GET", "/health/live/"]
    assert ok.split()[4] == "200" and ok.endswith(" ms")
    assert int(ok.split()[5]) >= 0
    assert missing.split()[1:5] == ["WARNING", "GET", "/api/v1/no-such-endpoint/", "404"]
    assert "{" not in ok  # text, not JSON


@pytest.mark.django_db
def test_production_json_is_one_object_per_line_with_the_duration(client):
    with captured([REQUEST_LOGGER], log_format="json") as stream:
        response = client.get("/health/live/", HTTP_X_REQUEST_ID="calm-run-1")
        assert response.status_code == 200
    events = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [event["event"] for event in events] == ["request_started", "request_finished"]
    finished = events[1]
    assert finished["request"] == "GET /health/live/"
    assert finished["code"] == 200
    assert finished["level"] == "info"
    assert isinstance(finished["duration_ms"], int)
    assert finished["request_id"] == "calm-run-1"
    assert finished["timestamp"].endswith("Z")


def test_text_format_renders_a_foreign_record_and_an_exception_readably():
    with captured(["teranga.calm"], log_format="text") as stream:
        logger = logging.getLogger("teranga.calm")
        logger.info("payment %s expired", "p-1")
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            logger.exception("reconcile failed")
        structlog.get_logger("teranga.calm").warning("slot freed", slot="s-9", n=2)
    lines = stream.getvalue().splitlines()
    assert lines[0].split(maxsplit=1)[1] == "INFO    teranga.calm: payment p-1 expired"
    assert lines[1].split(maxsplit=1)[1] == "ERROR   teranga.calm: reconcile failed"
    assert lines[2] == "Traceback (most recent call last):"
    assert lines[-2].endswith("RuntimeError: boom")
    assert lines[-1].split(maxsplit=1)[1] == "WARNING teranga.calm: slot freed slot=s-9 n=2"


def _huey_with_jobs():
    huey = MemoryHuey("calm-run", immediate=True)

    @huey.periodic_task(crontab(minute="*"), name="calm.tick")
    def tick():
        return "ticked"

    @huey.periodic_task(crontab(minute="*"), name="calm.broken")
    def broken():
        raise ValueError("the job failed")

    @huey.task(name="calm.send")
    def send():
        return "sent"

    return huey, tick, broken, send


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_periodic_jobs_are_debug_and_their_errors_are_shown(log_format):
    huey, tick, broken, send = _huey_with_jobs()
    with captured(["huey"], log_format=log_format, level="INFO") as stream:
        huey.execute(tick.task_class())
        huey.execute(broken.task_class())
        send()
        # The scheduler's line for a periodic job (huey.consumer.Scheduler logs it).
        logging.getLogger("huey").info("Enqueueing periodic task %s.", tick.task_class())
    output = stream.getvalue()
    assert "calm.tick" not in output  # neither "Executing" nor "executed in" at INFO
    assert "Enqueueing periodic task" not in output
    assert "Unhandled exception in task" in output and "the job failed" in output
    if log_format == "json":
        # Other tasks keep their INFO lines ("Executing" and "executed in").
        assert "Executing tests.test_calm_run.calm.send" in output
        assert output.count("calm.send") == 2
    else:
        # In development every task's routine lines are DEBUG too.
        assert "calm.send" not in output

    with captured(["huey"], log_format=log_format, level="DEBUG") as stream:
        huey.execute(tick.task_class())
    shown = stream.getvalue().splitlines()
    assert any("Executing tests.test_calm_run.calm.tick" in line for line in shown)
    for line in shown:
        if "calm.tick" in line:
            level = json.loads(line)["level"] if log_format == "json" else line.split()[1]
            assert level.lower() == "debug"


def test_django_tasks_routine_lines_are_debug_in_text_and_failures_are_shown():
    with captured(["django_tasks"], log_format="text") as stream:
        logger = logging.getLogger("django_tasks")
        logger.info("Task id=%s path=%s state=%s", "t-1", "app.tasks.send", "RUNNING")
        logger.info("Task id=%s path=%s state=%s", "t-1", "app.tasks.send", "SUCCESSFUL")
        try:
            raise ValueError("delivery refused")
        except ValueError:
            logger.exception("Task id=%s path=%s state=%s", "t-2", "app.tasks.send", "FAILED")
    output = stream.getvalue()
    assert "t-1" not in output
    assert "ERROR   django_tasks: Task id=t-2 path=app.tasks.send state=FAILED" in output
    assert "ValueError: delivery refused" in output
    with captured(["django_tasks"], log_format="json") as stream:
        logging.getLogger("django_tasks").info(
            "Task id=%s path=%s state=%s", "t-1", "app.tasks.send", "RUNNING"
        )
    assert json.loads(stream.getvalue())["level"] == "info"


def test_weasyprint_fonttools_and_facturx_progress_stay_at_warning():
    config = logs.logging_config(log_format="text", level="INFO")
    for name in ("weasyprint", "fontTools", "factur-x"):
        assert config["loggers"][name]["level"] == "WARNING"
    with captured(["weasyprint", "fontTools", "factur-x"], log_format="text") as stream:
        logging.getLogger("weasyprint.progress").info("Step 5 - Creating layout")
        logging.getLogger("fontTools.subset").info("Glyph names")
        logging.getLogger("factur-x").info("factur-x PDF generated in 0.04 sec")
        logging.getLogger("weasyprint").warning("Ignored `gap: 1em`")
    assert stream.getvalue().count("\n") == 1
    assert "Ignored" in stream.getvalue()
