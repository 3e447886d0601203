"""Routes of the real-estate API, under ``/api/v1/realestate/``."""

from django.urls import path

from . import views

app_name = "realestate"

PROPERTY = "properties/<uuid:property_id>"

urlpatterns = [
    path("properties/", views.PropertyListView.as_view(), name="property-list"),
    path(
        "organizations/<uuid:organization_id>/properties/",
        views.AgencyPropertyCreateView.as_view(),
        name="agency-property-create",
    ),
    path(f"{PROPERTY}/", views.PropertyDetailView.as_view(), name="property-detail"),
    path(f"{PROPERTY}/history/", views.PropertyHistoryView.as_view(), name="property-history"),
    path(f"{PROPERTY}/sheet/", views.PropertySheetView.as_view(), name="property-sheet"),
    path(f"{PROPERTY}/images/", views.PropertyImagesView.as_view(), name="property-images"),
    path(
        f"{PROPERTY}/images/<uuid:image_id>/",
        views.PropertyImageView.as_view(),
        name="property-image",
    ),
    path(
        f"{PROPERTY}/documents/", views.PropertyDocumentsView.as_view(), name="property-documents"
    ),
    path(
        f"{PROPERTY}/documents/<uuid:document_id>/",
        views.PropertyDocumentView.as_view(),
        name="property-document",
    ),
    path(
        f"{PROPERTY}/documents/<uuid:document_id>/link/",
        views.PropertyDocumentLinkView.as_view(),
        name="property-document-link",
    ),
]
