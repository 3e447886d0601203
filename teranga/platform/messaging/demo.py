"""Demo data of messaging: the support desk of the academy "Calmness Trading" (hours in
Paris time, automatic reply, WhatsApp, Telegram, Discord and email), a support
conversation from client1 answered by academy.agent1, and a private chat between client1
and client2. Idempotent: messages carry fixed client ids, and settings are only created
when missing (an admin's changes are kept)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from teranga.platform.organizations.models import Organization

from .models import ConversationKind, Message, SupportSettings
from .services import conversation_create, message_send, support_settings_update
from .services.support import support_conversation_open

ACADEMY_SLUG = "calmness-trading"
DOMAIN = "teranga.demo"
#: Monday–Friday 09:00–18:00, Saturday 10:00–13:00 (Europe/Paris).
HOURS = [
    *({"weekday": day, "opens": "09:00", "closes": "18:00"} for day in range(5)),
    {"weekday": 5, "opens": "10:00", "closes": "13:00"},
]
SUPPORT = {
    "enabled": True,
    "business_hours": HOURS,
    "auto_reply": (
        "Merci pour votre message ! Notre équipe est disponible du lundi au vendredi de 9 h à "
        "18 h et le samedi de 10 h à 13 h (heure de Paris). Nous vous répondrons dès "
        "l'ouverture. Pour une urgence, écrivez-nous sur WhatsApp."
    ),
    "welcome_message": "Bienvenue chez Calmness Trading ! Une question sur nos formations ?",
    "whatsapp": "+221771234567",
    "telegram": "calmnesstrading",
    "discord": "calmness-trading",
    "email": f"support@{ACADEMY_SLUG}.{DOMAIN}",
    "primary_color": "#D4AF37",
}
SUPPORT_QUESTION = (
    "Bonjour, je voudrais savoir si la formation « Initiation au trading » comprend des "
    "sessions en direct et comment obtenir le replay."
)
SUPPORT_ANSWER = (
    "Bonjour ! Oui : deux sessions en direct par semaine sur Zoom, et chaque replay est "
    "disponible dans votre espace formation le lendemain. Bonne formation !"
)
PRIVATE = (
    ("client1", "Salut ! Tu as vu la session de trading de mardi ?", "demo-private-1"),
    ("client2", "Oui, très claire. On révise ensemble avant la prochaine ?", "demo-private-2"),
)


def _user(name: str):
    return get_user_model().objects.filter(email=f"{name}@{DOMAIN}").first()


def load(*, password: str) -> list[tuple[str, str, str]]:
    academy = Organization.objects.filter(slug=ACADEMY_SLUG).first()
    client1, client2 = _user("client1"), _user("client2")
    agent = _user("academy.agent1")
    if academy is not None and not SupportSettings.objects.filter(organization=academy).exists():
        support_settings_update(organization=academy, **SUPPORT)
    if academy is not None and client1 is not None:
        asked = (
            Message.objects.filter(
                sender=client1,
                client_id="demo-support-1",
                conversation__kind=ConversationKind.SUPPORT,
                conversation__organization=academy,
            )
            .select_related("conversation")
            .first()
        )
        if asked is None:
            conversation, _message, _created = support_conversation_open(
                user=client1,
                organization=academy.pk,
                body=SUPPORT_QUESTION,
                client_id="demo-support-1",
            )
        else:
            conversation = asked.conversation
        if agent is not None:
            message_send(
                sender=agent,
                conversation_id=conversation.pk,
                body=SUPPORT_ANSWER,
                client_id="demo-support-2",
            )
    if client1 is not None and client2 is not None:
        conversation, _created = conversation_create(
            creator=client1, kind=ConversationKind.PRIVATE, user_id=client2.pk
        )
        people = {"client1": client1, "client2": client2}
        for name, body, client_id in PRIVATE:
            message_send(
                sender=people[name], conversation_id=conversation.pk, body=body, client_id=client_id
            )
    return []
