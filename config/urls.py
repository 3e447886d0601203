import re

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

from config.health import health_live, health_ready
from config.metrics import metrics
from teranga.core import media_views
from teranga.core import pages as core_pages
from teranga.core.views import SchemaView, not_found, server_error
from teranga.platform import landing
from teranga.platform.contract import product_urlpatterns
from teranga.platform.organizations import pages as organization_pages
from teranga.platform.payments.api import pages as payment_pages

api_v1 = [
    # First: the collection endpoint takes every page view of every site, and Django tries
    # the patterns in order, every pattern of each include with an empty prefix (a prefixed
    # include costs one test to the paths outside it).
    path("analytics/", include("teranga.platform.analytics.api.urls")),
    path("", landing.api_index, name="api-index"),
    path("", include("teranga.platform.accounts.api.urls")),
    path("", include("teranga.platform.organizations.api.urls")),
    path("geo/", include("teranga.platform.geo.api.urls")),
    path("notifications/", include("teranga.platform.notifications.api.urls")),
    path("", include("teranga.platform.notifications.api.broadcast_urls")),
    path("devices/", include("teranga.platform.notifications.api.device_urls")),
    path("", include("teranga.platform.notifications.api.discord_urls")),
    path("", include("teranga.platform.scheduling.api.urls")),
    path("", include("teranga.platform.calendars.api.urls")),
    path("", include("teranga.platform.payments.api.urls")),
    path("", include("teranga.platform.payments.api.coupon_urls")),
    path("", include("teranga.platform.payments.api.subscription_urls")),
    path("", include("teranga.platform.invoicing.api.urls")),
    path("", include("teranga.platform.messaging.api.urls")),
    path("moderation/", include("teranga.platform.moderation.api.urls")),
    path("imports/", include("teranga.platform.imports.api.urls")),
    path("", include("teranga.platform.audit.api.urls")),
    # Every installed product's API, at /api/v1/<label>/ (the product contract).
    *product_urlpatterns("api"),
]

# Uploaded media kept on this machine's disk (teranga.core.storage): public files at their
# plain address, private ones only through a signed, expiring link; 404 for anything else
# and for every address when media are on S3 (their URLs are then the bucket's).
_media = re.escape(settings.MEDIA_URL.lstrip("/"))
media_urlpatterns = [
    re_path(rf"^{_media}private/(?P<name>.+)$", media_views.private_file, name="media-private"),
    re_path(rf"^{_media}(?P<name>.+)$", media_views.public_file, name="media-public"),
]

urlpatterns = [
    path("", landing.home, name="home"),
    *media_urlpatterns,
    path("admin/", admin.site.urls),
    path("_allauth/", include("allauth.headless.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path(
        "api/docs/",
        # The split view serves its start-up script as a file (?script): the CSP allows no
        # inline script.
        SpectacularSwaggerSplitView.as_view(
            url_name="schema",
            template_name_js="core/swagger_ui.js",
        ),
        name="swagger-ui",
    ),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("pay/sandbox/<uuid:payment_id>/", payment_pages.sandbox_checkout, name="pay-sandbox"),
    path("pay/return/<uuid:payment_id>/", payment_pages.payment_return, name="pay-return"),
    path("", include("teranga.platform.scheduling.api.feed_urls")),
    path("", include("teranga.platform.calendars.page_urls")),
    # What our links open (teranga.core.links): an object's handover page, an invitation.
    path("o/<str:kind>/<str:object_id>/", core_pages.object_page, name="object-page"),
    path("invitations/<str:token>/", organization_pages.invitation_page, name="invitation-page"),
    path("analytics/", include("teranga.platform.analytics.page_urls")),
    path("support/", include("teranga.platform.messaging.widget_pages")),
    re_path(
        r"^account/(?P<path>[A-Za-z0-9_-]+(?:/[A-Za-z0-9_:.-]+){0,3})/$",
        core_pages.account_page,
        name="account-page",
    ),
    path(".well-known/assetlinks.json", core_pages.android_asset_links),
    path(".well-known/apple-app-site-association", core_pages.apple_app_site_association),
    # Every installed product's pages, at /<label>/, and its root pages at /<prefix>/.
    *product_urlpatterns("pages"),
    *product_urlpatterns("root"),
    path("health/live/", health_live, name="health-live"),
    path("health/ready/", health_ready, name="health-ready"),
    # django-prometheus's exporter, guarded in PRODUCTION (config/metrics.py).
    path("metrics", metrics, name="prometheus-django-metrics"),
]

handler404 = not_found
handler500 = server_error
