"""Mounted at /v1/: Segment's paths, without a trailing slash, as the SDKs send them."""

from django.urls import path

from apps.customers.tracking import views

urlpatterns = [
    path("identify", views.TrackingIdentifyApi.as_view(), name="tracking-identify"),
    path("track", views.TrackingTrackApi.as_view(), name="tracking-track"),
    path("page", views.TrackingPageApi.as_view(), name="tracking-page"),
    path("screen", views.TrackingScreenApi.as_view(), name="tracking-screen"),
    path("group", views.TrackingGroupApi.as_view(), name="tracking-group"),
    path("alias", views.TrackingAliasApi.as_view(), name="tracking-alias"),
    path("batch", views.TrackingBatchApi.as_view(), name="tracking-batch"),
]
