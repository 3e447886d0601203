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

# --- visits section ---
from .visits import urlpatterns as visit_urlpatterns  # noqa: E402

urlpatterns += visit_urlpatterns

# --- crm section ---
from . import crm as crm_views  # noqa: E402

AGENCY = "organizations/<uuid:organization_id>"
urlpatterns += [
    path(f"{AGENCY}/clients/", crm_views.AgencyClientsView.as_view(), name="crm-clients"),
    path("clients/<uuid:client_id>/", crm_views.ClientDetailView.as_view(), name="crm-client"),
    path(
        "clients/<uuid:client_id>/contacts/",
        crm_views.ClientContactsView.as_view(),
        name="crm-client-contacts",
    ),
    path(
        "clients/<uuid:client_id>/contacts/<uuid:contact_id>/",
        crm_views.ClientContactView.as_view(),
        name="crm-client-contact",
    ),
    path(
        "clients/<uuid:client_id>/interactions/",
        crm_views.ClientInteractionsView.as_view(),
        name="crm-client-interactions",
    ),
    path(f"{AGENCY}/pipeline-stages/", crm_views.AgencyStagesView.as_view(), name="crm-stages"),
    path(
        f"{AGENCY}/pipeline-stages/reorder/",
        crm_views.AgencyStagesReorderView.as_view(),
        name="crm-stages-reorder",
    ),
    path("pipeline-stages/<uuid:stage_id>/", crm_views.StageDetailView.as_view(), name="crm-stage"),
    path(
        f"{AGENCY}/crm-automation/",
        crm_views.AgencyAutomationView.as_view(),
        name="crm-automation",
    ),
    path(f"{AGENCY}/leads/", crm_views.AgencyLeadsView.as_view(), name="crm-leads"),
    path("leads/<uuid:lead_id>/", crm_views.LeadDetailView.as_view(), name="crm-lead"),
    path("leads/<uuid:lead_id>/move/", crm_views.LeadMoveView.as_view(), name="crm-lead-move"),
    path(
        "leads/<uuid:lead_id>/assign/", crm_views.LeadAssignView.as_view(), name="crm-lead-assign"
    ),
    path(
        "leads/<uuid:lead_id>/history/",
        crm_views.LeadHistoryView.as_view(),
        name="crm-lead-history",
    ),
    path(
        "leads/<uuid:lead_id>/interactions/",
        crm_views.LeadInteractionsView.as_view(),
        name="crm-lead-interactions",
    ),
    path(f"{AGENCY}/tasks/", crm_views.AgencyTasksView.as_view(), name="crm-tasks"),
    path("tasks/mine/", crm_views.MyTasksView.as_view(), name="crm-tasks-mine"),
    path("tasks/<uuid:task_id>/", crm_views.TaskDetailView.as_view(), name="crm-task"),
    path(
        "tasks/<uuid:task_id>/complete/",
        crm_views.TaskCompleteView.as_view(),
        name="crm-task-complete",
    ),
]

# --- matching section ---
from . import matching as matching_views  # noqa: E402

urlpatterns += [
    path(f"{AGENCY}/requests/", matching_views.AgencyRequestsView.as_view(), name="requests"),
    path("requests/<uuid:request_id>/", matching_views.RequestDetailView.as_view(), name="request"),
    path(
        "requests/<uuid:request_id>/matches/",
        matching_views.RequestMatchesView.as_view(),
        name="request-matches",
    ),
    path(
        "requests/<uuid:request_id>/exclusions/",
        matching_views.RequestExclusionsView.as_view(),
        name="request-exclusions",
    ),
    path(
        "requests/<uuid:request_id>/exclusions/<uuid:property_id>/",
        matching_views.RequestExclusionView.as_view(),
        name="request-exclusion",
    ),
    path(
        f"{PROPERTY}/matches/",
        matching_views.PropertyMatchesView.as_view(),
        name="property-matches",
    ),
    path(
        f"{AGENCY}/matching-weights/",
        matching_views.AgencyMatchingWeightsView.as_view(),
        name="matching-weights",
    ),
]

# --- transactions section ---
from .transactions import urlpatterns as transaction_urlpatterns  # noqa: E402

urlpatterns += transaction_urlpatterns

# --- agency pages section ---
from .performance import urlpatterns as performance_urlpatterns  # noqa: E402

urlpatterns += performance_urlpatterns

# --- imports section ---
from . import imports as import_views  # noqa: E402

urlpatterns += [
    path(
        f"{AGENCY}/imports/properties/",
        import_views.AgencyPropertyImportView.as_view(),
        name="import-properties",
    ),
    path(
        f"{AGENCY}/imports/clients/",
        import_views.AgencyClientImportView.as_view(),
        name="import-clients",
    ),
]

# --- saved searches section ---
from . import saved_searches as saved_search_views  # noqa: E402

urlpatterns += [
    path(
        "me/saved-searches/", saved_search_views.MySavedSearchesView.as_view(), name="my-searches"
    ),
    path(
        "me/saved-searches/<uuid:request_id>/",
        saved_search_views.MySavedSearchView.as_view(),
        name="my-search",
    ),
]
