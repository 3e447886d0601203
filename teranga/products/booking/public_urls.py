"""The public booking pages, mounted at ``/b/`` (``RootPages`` in ``product.py``)."""

from django.urls import path

from . import public_views as views

app_name = "booking-public"

PAGE = "<slug:slug>"
TOKEN = "<str:token>"

urlpatterns = [
    path(f"{PAGE}/", views.page_view, name="page"),
    path(f"{PAGE}/book/", views.book_view, name="book"),
    path(f"{PAGE}/verify/<uuid:check_id>/", views.verify_view, name="verify"),
    path(f"{PAGE}/pay/{TOKEN}/", views.pay_view, name="pay"),
    path(f"{PAGE}/confirmed/{TOKEN}/", views.confirmed_view, name="confirmed"),
    path(f"{PAGE}/manage/{TOKEN}/", views.manage_view, name="manage"),
    path(f"{PAGE}/manage/{TOKEN}/cancel/", views.cancel_view, name="cancel"),
    path(f"{PAGE}/manage/{TOKEN}/reschedule/", views.reschedule_view, name="reschedule"),
]
