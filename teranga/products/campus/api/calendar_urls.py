"""Route of the student's campus calendar (under ``/api/v1/campus/``)."""

from django.urls import path

from . import calendar_views as views

urlpatterns = [
    path("me/calendar/", views.MyCampusCalendarView.as_view(), name="campus-my-calendar"),
]
