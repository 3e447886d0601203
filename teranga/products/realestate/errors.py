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
    # Images
    IMAGE_NOT_FOUND = "image_not_found"
    INVALID_IMAGE = "invalid_image"
    TOO_MANY_IMAGES = "too_many_images"
    # Documents
    DOCUMENT_NOT_FOUND = "document_not_found"
    INVALID_DOCUMENT = "invalid_document"
    TOO_MANY_DOCUMENTS = "too_many_documents"
