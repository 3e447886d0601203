"""The GDPR side of the real-estate product (``Product.user_exporters`` and
``Product.user_erasers``). Each part adds its exporter in its own section.

The erasure (:func:`realestate_user_erase`, in ``accounts.services.user_erase``'s
transaction once the account is anonymised):

* the agencies' client records of the user (``Client.user``) lose their name (a fixed
  placeholder), email, phone, notes and consents, their contacts are deleted, the
  summaries of the interactions with them and the notes of their leads are blanked;
* the user's visits lose their message and feedback; those still to come are cancelled
  (the agent is told) — their visits as a guest (by the phone of one of those client
  records) lose the guest's name, phone, email, message and feedback;
* kept intact for the agencies' accounts and legal records: reservations (their amounts,
  status and dates, pointing at the anonymised account), commissions, and contracts
  that were sent or signed; a draft contract's client name is replaced.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

#: What an anonymised client record is called (a name is required).
ERASED_NAME = "—"


# --- visits section ---
def visits_user_export(*, user) -> dict[str, Any]:
    """The visits the user booked as a visitor (one query): the property, the agency,
    when, the status, their message and their feedback. The agency's own notes are its
    working record, not the visitor's data, and are left out."""
    from .selectors.visits import visits_of_visitor

    return {
        "visits": [
            {
                "id": str(visit.pk),
                "property": visit.property.title,
                "agency": visit.organization.name,
                "starts_at": visit.starts_at,
                "ends_at": visit.ends_at,
                "status": visit.status,
                "message": visit.message,
                "interest_level": visit.interest_level,
                "feedback": visit.feedback,
                "created_at": visit.created_at,
            }
            for visit in visits_of_visitor(user=user).order_by("-starts_at")
        ]
    }


# --- transactions section ---
def transactions_user_export(*, user) -> dict[str, Any]:
    """The user's reservations (as the paying account) and the contracts made out to
    them (through a reservation of theirs or one of their client records): the
    property, the agency, the amounts and the dates (two queries)."""
    from django.db.models import Q

    from .models import Contract, Reservation

    reservations = (
        Reservation.objects.filter(user=user)
        .select_related("property", "organization")
        .order_by("-created_at")
    )
    contracts = (
        Contract.objects.filter(Q(reservation__user=user) | Q(client__user=user))
        .select_related("property", "organization")
        .distinct()
        .order_by("-created_at")
    )
    return {
        "reservations": [
            {
                "id": str(r.pk),
                "property": r.property.title,
                "agency": r.organization.name,
                "status": r.status,
                "price": r.price,
                "deposit_amount": r.deposit_amount,
                "currency": r.currency,
                "confirmed_at": r.confirmed_at,
                "closed_at": r.closed_at,
                "cancellation_reason": r.cancellation_reason,
                "created_at": r.created_at,
            }
            for r in reservations
        ],
        "contracts": [
            {
                "id": str(c.pk),
                "kind": c.kind,
                "status": c.status,
                "property": c.property.title,
                "agency": c.organization.name,
                "client_name": c.client_name,
                "amount": c.amount,
                "currency": c.currency,
                "terms": c.terms,
                "sent_at": c.sent_at,
                "signed_at": c.signed_at,
                "created_at": c.created_at,
            }
            for c in contracts
        ],
    }


# --- matching section ---
def requests_user_export(*, user) -> dict[str, Any]:
    """The searches kept for the user in every agency (one query): the requests of their
    client records, their own saved searches among them. What they look for, how they are
    alerted, and whether the search is active."""
    from .models import ClientRequest

    requests = (
        ClientRequest.objects.filter(client__user=user)
        .select_related("organization")
        .order_by("-created_at")
    )
    return {
        "requests": [
            {
                "id": str(r.pk),
                "agency": r.organization.name,
                "transaction": r.transaction,
                "property_types": r.property_types,
                "budget_min": r.budget_min,
                "budget_max": r.budget_max,
                "currency": r.currency,
                "surface_min": r.surface_min,
                "surface_max": r.surface_max,
                "rooms_min": r.rooms_min,
                "bedrooms_min": r.bedrooms_min,
                "zones": r.zones,
                "active": r.active,
                "alert_frequency": r.alert_frequency,
                "created_at": r.created_at,
            }
            for r in requests
        ]
    }


# --- erasure ---
def realestate_user_erase(*, user) -> None:
    """Remove the user's personal data from the agencies' records (see the module's
    docstring); accounting and legal records stay."""
    from teranga.platform.notifications.services import notifications_erase

    from .models import (
        Client,
        ClientContact,
        Contract,
        ContractStatus,
        Interaction,
        Lead,
        Visit,
        VisitStatus,
    )
    from .services.visits import visit_cancel

    clients = list(Client.objects.filter(user=user).values_list("pk", "phone_hash"))
    client_ids = [pk for pk, _hash in clients]
    phone_hashes = {phone_hash for _pk, phone_hash in clients if phone_hash}
    now = timezone.now()

    # Visits to come are cancelled (the agent is told); every visit of theirs loses
    # what the visitor wrote.
    upcoming = Visit.objects.filter(
        visitor=user,
        status__in=(VisitStatus.REQUESTED, VisitStatus.CONFIRMED),
        starts_at__gt=now,
    ).select_related("organization", "property", "agent", "visitor")
    if phone_hashes:
        upcoming = upcoming | Visit.objects.filter(
            visitor__isnull=True,
            guest_phone_hash__in=phone_hashes,
            organization_id__in=Client.objects.filter(pk__in=client_ids).values("organization_id"),
            status__in=(VisitStatus.REQUESTED, VisitStatus.CONFIRMED),
            starts_at__gt=now,
        )
    for visit in upcoming:
        visit_cancel(visit=visit, actor=None, by_visitor=True)
    Visit.objects.filter(visitor=user).update(message="", feedback="", updated_at=now)
    if phone_hashes:
        Visit.objects.filter(
            visitor__isnull=True,
            guest_phone_hash__in=phone_hashes,
            organization_id__in=Client.objects.filter(pk__in=client_ids).values("organization_id"),
        ).update(
            guest_name=ERASED_NAME,
            guest_phone="",
            guest_phone_hash="",
            guest_email="",
            message="",
            feedback="",
            updated_at=now,
        )
    # The cancellations told the erased account too: nothing of it is kept.
    notifications_erase(user=user)

    if client_ids:
        ClientContact.objects.filter(client_id__in=client_ids).delete()
        Interaction.objects.filter(client_id__in=client_ids).update(summary=ERASED_NAME)
        Lead.objects.filter(client_id__in=client_ids).update(notes="", updated_at=now)
        Contract.objects.filter(client_id__in=client_ids, status=ContractStatus.DRAFT).update(
            client_name=ERASED_NAME, updated_at=now
        )
        Client.objects.filter(pk__in=client_ids).update(
            name=ERASED_NAME,
            email="",
            phone=None,
            phone_hash="",
            notes="",
            search_text="",
            consent_email=False,
            consent_sms=False,
            consent_phone=False,
            consent_whatsapp=False,
            consent_marketing=False,
            consent_withdrawn_at=now,
            updated_at=now,
        )
    Contract.objects.filter(reservation__user=user, status=ContractStatus.DRAFT).update(
        client_name=ERASED_NAME, updated_at=now
    )
