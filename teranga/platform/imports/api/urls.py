from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.ImportListCreateView.as_view(), name="import-list"),
    path("kinds/", views.KindListView.as_view(), name="kind-list"),
    path("kinds/<str:kind>/template.csv", views.TemplateCsvView.as_view(), name="template-csv"),
    path("kinds/<str:kind>/template.xlsx", views.TemplateXlsxView.as_view(), name="template-xlsx"),
    path("<uuid:run_id>/", views.ImportDetailView.as_view(), name="import-detail"),
]
