"""OpenAPI examples of the organisations' main flow: creating one."""

from drf_spectacular.utils import OpenApiExample

ORGANIZATION_CREATE = [
    OpenApiExample(
        "Create a hair salon in Dakar",
        summary="The caller becomes its owner",
        request_only=True,
        value={
            "name": "Salon Awa",
            "kind": "business",
            "city": "Dakar",
            "country": "SN",
            "currency": "XOF",
            "time_zone": "Africa/Dakar",
            "contact_email": "contact@salon-awa.sn",
        },
    ),
    OpenApiExample(
        "The organisation, pending verification",
        response_only=True,
        status_codes=["201"],
        value={
            "id": "3f0c8a52-6a4e-4f5e-9a1e-5b7d2c9e4a10",
            "kind": "business",
            "name": "Salon Awa",
            "slug": "salon-awa",
            "description": "",
            "logo": None,
            "contact_email": "contact@salon-awa.sn",
            "contact_phone": "",
            "country": "SN",
            "city": "Dakar",
            "region": None,
            "currency": "XOF",
            "time_zone": "Africa/Dakar",
            "verification_status": "pending",
            "verified_at": None,
            "siret": "",
            "tva_number": "",
            "ninea": "",
            "rccm": "",
            "holidays_opt_out": False,
            "my_role": "owner",
            "created_at": "2026-03-02T08:00:00Z",
            "updated_at": "2026-03-02T08:00:00Z",
        },
    ),
]
