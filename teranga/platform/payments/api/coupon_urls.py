"""Coupon routes, mounted under ``/api/v1/``."""

from django.urls import path

from . import coupon_views as views

urlpatterns = [
    path("coupons/", views.CouponListCreateView.as_view(), name="coupon-list"),
    path("coupons/validate/", views.CouponValidateView.as_view(), name="coupon-validate"),
    path("coupons/<uuid:coupon_id>/", views.CouponDetailView.as_view(), name="coupon-detail"),
]
