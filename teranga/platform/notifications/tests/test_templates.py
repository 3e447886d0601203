"""Every registered notification type renders, with its sample context, in French,
English and Wolof, on every one of its channels; French and English differ (the type is
translated); Wolof renders (falling back to French where it is not translated); emails
are HTML and text, and reach the recipient in their language."""

from __future__ import annotations

import pytest
from django.core import mail

from teranga.platform.notifications.models import Channel
from teranga.platform.notifications.selectors import notification_type_preview
from teranga.platform.notifications.services import notification_send
from teranga.platform.notifications.types import (
    notification_type,
    notification_types,
    rendering,
    sample_context,
)

LANGUAGES = ("fr", "en", "wo")


def real_types() -> list[str]:
    """The types the apps register (test modules register ``test.*`` ones)."""
    return [name for name in notification_types.names() if not name.startswith("test.")]


def test_the_apps_register_their_types():
    names = set(real_types())
    assert {
        "scheduling.confirmed",
        "scheduling.reminder",
        "payment.succeeded",
        "invoice.issued",
        "subscription.renewed",
        "organization.broadcast",
    } <= names


@pytest.mark.parametrize("kind", real_types())
def test_every_type_renders_in_every_language_and_channel(kind):
    kind_type = notification_type(kind)
    rendered = {}
    for language in LANGUAGES:
        for channel in kind_type.channels:
            preview = notification_type_preview(kind=kind, language=language, channel=channel)
            assert preview["language"] == language
            if channel == Channel.EMAIL:
                assert preview["subject"].strip() and preview["text"].strip()
                assert f'lang="{language}"' in preview["html"]
            elif channel == Channel.SMS:
                assert preview["text"].strip()
                assert 1 <= preview["segments"] <= 2
            else:
                assert preview["title"].strip()
        with rendering(language):
            context = sample_context(kind_type)
            rendered[language] = (kind_type.render_title(context), kind_type.render_body(context))
        assert all(rendered[language]), (kind, language)
    assert rendered["fr"] != rendered["en"], f"{kind} is not translated into French"
    # Placeholders are all filled in every language.
    for language, texts in rendered.items():
        for text in texts:
            assert "%(" not in text and ")s" not in text, (kind, language, text)


def test_wolof_falls_back_to_french_where_untranslated():
    # A translated type speaks Wolof; the rest fall back to French, never to English.
    kind_type = notification_type("payment.succeeded")
    context = sample_context(kind_type)
    with rendering("wo"):
        assert kind_type.render_title(context) == "Jot nañu sa fey"
    for kind in real_types():
        kind_type = notification_type(kind)
        context = sample_context(kind_type)
        texts = {}
        for language in LANGUAGES:
            with rendering(language):
                texts[language] = kind_type.render_title(context)
        if texts["wo"] == texts["en"]:
            assert texts["fr"] == texts["en"], f"{kind}: Wolof fell back to English"


@pytest.mark.django_db
def test_emails_reach_each_recipient_in_their_language_as_html_and_text(
    make_user, django_capture_on_commit_callbacks
):
    people = {lang: make_user(f"{lang}-tpl@example.com", language=lang) for lang in LANGUAGES}
    context = {
        "amount": 2500,
        "currency": "XOF",
        "organization": "Salon Awa",
        "description": "Coupe",
    }
    with django_capture_on_commit_callbacks(execute=True):
        for language, user in people.items():
            notification_send(
                recipient=user,
                kind="payment.succeeded",
                context=context,
                link="/api/v1/payments/1/",
                idempotency_key=f"tpl:{language}",
                channels=[Channel.EMAIL],
            )
    subjects = {email.to[0].split("-")[0]: email.subject for email in mail.outbox}
    assert subjects == {"fr": "Paiement reçu", "en": "Payment received", "wo": "Jot nañu sa fey"}
    for email in mail.outbox:
        html, mimetype = email.alternatives[0]
        assert mimetype == "text/html"
        assert "Salon Awa" in html and "Salon Awa" in email.body
        assert "http://127.0.0.1:8000/api/v1/payments/1/" in html
