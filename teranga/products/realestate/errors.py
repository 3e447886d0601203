"""The error codes the real-estate product answers: the stable ``code`` of its errors
(``{"error": {"code": …}}``). Registered through the product contract
(``Product.error_codes`` in ``product.py``); generic codes are
``teranga.core.errors.CoreError``."""

from __future__ import annotations

from enum import StrEnum


class RealEstateError(StrEnum):
    # Properties
    PROPERTY_NOT_FOUND = "property_not_found"
    AGENCY_KIND_NOT_SUPPORTED = "agency_kind_not_supported"
    AGENT_NOT_MEMBER = "agent_not_member"
    INVALID_CURSOR = "invalid_cursor"
    PROPERTY_HAS_TRANSACTIONS = "property_has_transactions"
    #: Another property (or client) of the agency already has this external reference.
    EXTERNAL_REF_TAKEN = "external_ref_taken"
    # Images
    IMAGE_NOT_FOUND = "image_not_found"
    INVALID_IMAGE = "invalid_image"
    TOO_MANY_IMAGES = "too_many_images"
    # Documents
    DOCUMENT_NOT_FOUND = "document_not_found"
    INVALID_DOCUMENT = "invalid_document"
    TOO_MANY_DOCUMENTS = "too_many_documents"
    # --- crm section ---
    CLIENT_NOT_FOUND = "client_not_found"
    CONTACT_NOT_FOUND = "contact_not_found"
    LEAD_NOT_FOUND = "lead_not_found"
    STAGE_NOT_FOUND = "stage_not_found"
    STAGE_NAME_TAKEN = "stage_name_taken"
    TOO_MANY_STAGES = "too_many_stages"
    TOO_MANY_CONTACTS = "too_many_contacts"
    TASK_NOT_FOUND = "task_not_found"
    ASSIGNEE_NOT_MEMBER = "assignee_not_member"
    # --- visits section ---
    VISIT_NOT_FOUND = "visit_not_found"
    VISIT_INVALID_TRANSITION = "visit_invalid_transition"
    VISIT_NOT_STARTED = "visit_not_started"
    VISIT_NOT_DONE = "visit_not_done"
    VISIT_VISITOR_REQUIRED = "visit_visitor_required"
    VISIT_INVALID_RANGE = "visit_invalid_range"
    PROPERTY_NOT_VISITABLE = "property_not_visitable"
    VISIT_DATE_BLOCKED = "visit_date_blocked"
    VISIT_BLOCK_NOT_FOUND = "visit_block_not_found"
    TOO_MANY_VISIT_BLOCKS = "too_many_visit_blocks"
    AGENT_NOT_FOUND = "agent_not_found"
    # --- matching section ---
    REQUEST_NOT_FOUND = "request_not_found"
    TOO_MANY_SAVED_SEARCHES = "too_many_saved_searches"
    # --- transactions section ---
    RESERVATION_NOT_FOUND = "reservation_not_found"
    PROPERTY_NOT_AVAILABLE = "property_not_available"
    RESERVATION_INVALID_TRANSITION = "reservation_invalid_transition"
    RESERVATION_HOLD_EXPIRED = "reservation_hold_expired"
    CONTRACT_NOT_FOUND = "contract_not_found"
    CONTRACT_INVALID_TRANSITION = "contract_invalid_transition"
    CONTRACT_CLIENT_REQUIRED = "contract_client_required"
    CONTRACT_CLIENT_UNREACHABLE = "contract_client_unreachable"
    INVALID_SCAN = "invalid_scan"
    COMMISSION_EXISTS = "commission_exists"
