"""allauth's emails (verification code, password reset, "account already exists",
unknown account, security notices) leave the request through the task engine.

``AccountAdapter.send_mail`` calls :func:`account_mail_queue`, which only turns allauth's
template context into JSON (a model becomes its label and primary key, a datetime its
ISO text, the request and the site their host name) and queues
:func:`account_mail_send_task` once the request's transaction commits. The task renders
the email with allauth's own ``render_mail``, in the recipient's language (their
account's, else the language of the request that asked for it), and sends it. A slow or
failing SMTP server therefore neither delays the answer nor makes it differ (signup with
a known and a new address answer alike).
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Model
from django.utils import translation
from django_tasks import task

from teranga.core.i18n import normalize_language
from teranga.core.priorities import CRITICAL

#: allauth's keys that are the request itself: rebuilt as nothing in the task.
REQUEST_KEYS = frozenset({"request"})
#: Text values are capped (allauth's are codes, links, a user agent: short).
VALUE_MAX_LENGTH = 2000


def _dump(value: Any) -> Any:
    """One context value as JSON."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Model):
        return {"__model__": value._meta.label, "pk": str(value.pk)}
    if isinstance(value, datetime):
        return {"__datetime__": value.isoformat()}
    return str(value)[:VALUE_MAX_LENGTH]


def _load(value: Any) -> Any:
    """The value :func:`_dump` wrote, as the templates expect it."""
    if isinstance(value, dict) and "__model__" in value:
        model = apps.get_model(value["__model__"])
        return model._default_manager.filter(pk=value["pk"]).first()
    if isinstance(value, dict) and "__datetime__" in value:
        return datetime.fromisoformat(value["__datetime__"])
    return value


def _recipient_language(email: str, context: dict[str, Any]) -> str:
    """The language of the account behind ``email`` (or of the context's user), else
    the active language: the request's."""
    user = context.get("user")
    if not isinstance(user, get_user_model()):
        user = (
            get_user_model()
            .objects.filter(email__iexact=email, is_active=True)
            .only("language")
            .first()
        )
    language = getattr(user, "language", "") or translation.get_language()
    return normalize_language(language)


def account_mail_queue(*, template_prefix: str, email: str, context: dict[str, Any]) -> None:
    """Queue one of allauth's emails (see the module's docstring); nothing is sent here."""
    from allauth.core import context as allauth_context
    from django.contrib.sites.shortcuts import get_current_site

    request = allauth_context.request
    site = get_current_site(request) if request is not None else None
    values = {key: value for key, value in context.items() if key not in REQUEST_KEYS}
    values["email"] = email
    values.pop("current_site", None)
    payload = {key: _dump(value) for key, value in values.items()}
    account_mail_send_task.enqueue(
        template_prefix=template_prefix,
        email=email,
        context=payload,
        site={
            "name": str(getattr(site, "name", "") or "Teranga")[:200],
            "domain": str(getattr(site, "domain", "") or "")[:200],
        },
        language=_recipient_language(email, context),
    )


@task(priority=CRITICAL)
def account_mail_send_task(
    *,
    template_prefix: str,
    email: str,
    context: dict[str, Any],
    site: dict[str, str],
    language: str,
) -> None:
    """Render one of allauth's emails with allauth's ``render_mail``, in ``language``,
    and send it."""
    from allauth.account.adapter import get_adapter

    values = {key: _load(value) for key, value in context.items()}
    values["current_site"] = SimpleNamespace(
        name=site.get("name", ""), domain=site.get("domain", "")
    )
    with translation.override(normalize_language(language)):
        message = get_adapter().render_mail(template_prefix, email, values)
    message.send()
