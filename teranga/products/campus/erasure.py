"""The GDPR erasure of a user, on Campus's side (``Product.user_erasers``): called by
``accounts.services.user_erase`` in its transaction, once the account is anonymised.

Deleted: the student profile (university, interests), every student-ID verification
(the matricule, and the student card's file after commit), favourites (the events'
counters follow), follows of organisers and tags; the user's open waiting-list entries
are left (an offered seat passes to the next one waiting); the user's event views lose
their link to the account. Kept, pointing at the anonymised account: orders and tickets
(what was sold and paid), check-in scans, reviews, posts and comments (with no name
left), badges.
"""

from __future__ import annotations

from django.db import transaction

from .models import (
    Event,
    EventFavourite,
    EventView,
    OrganizerFollow,
    StudentProfile,
    StudentVerification,
    TagFollow,
    WaitingListEntry,
    WaitingStatus,
)
from .services.engagement import favourite_remove
from .services.waitlist import waitlist_leave


def _delete_files_on_commit(storage, names: list[str]) -> None:
    def delete() -> None:
        for name in names:
            storage.delete(name)

    if names:
        transaction.on_commit(delete)


def campus_user_erase(*, user) -> None:
    verifications = list(StudentVerification.objects.filter(user=user))
    cards = [v.student_card.name for v in verifications if v.student_card]
    storage = StudentVerification._meta.get_field("student_card").storage
    StudentVerification.objects.filter(user=user).delete()
    _delete_files_on_commit(storage, cards)
    StudentProfile.objects.filter(user=user).delete()
    favourite_events = Event.objects.filter(
        pk__in=EventFavourite.objects.filter(user=user).values("event_id")
    )
    for event in favourite_events:
        favourite_remove(user=user, event=event)
    OrganizerFollow.objects.filter(user=user).delete()
    TagFollow.objects.filter(user=user).delete()
    for entry_id in WaitingListEntry.objects.filter(
        user=user, status__in=(WaitingStatus.WAITING, WaitingStatus.OFFERED)
    ).values_list("pk", flat=True):
        waitlist_leave(user=user, entry_id=entry_id)
    EventView.objects.filter(user=user).update(user=None)
