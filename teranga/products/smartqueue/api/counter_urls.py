"""Counter routes (under ``/api/v1/smartqueue/``)."""

from django.urls import path

from . import counter_views as views

ACTIONS = {
    "call-next": views.CallNextView,
    "recall": views.RecallView,
    "start": views.StartView,
    "finish": views.FinishView,
    "no-show": views.NoShowView,
    "transfer": views.TransferView,
    "park": views.ParkView,
    "unpark": views.UnparkView,
}

urlpatterns = [
    path(
        "counters/<uuid:counter_id>/state/",
        views.CounterStateView.as_view(),
        name="smartqueue-counter-state",
    ),
    *(
        path(
            f"counters/<uuid:counter_id>/{action}/",
            view.as_view(),
            name=f"smartqueue-counter-{action}",
        )
        for action, view in ACTIONS.items()
    ),
]
