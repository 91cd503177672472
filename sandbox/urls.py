from django.urls import include, path

from . import views

urlpatterns = [
    path("faults/<str:system>", views.fault_profile, name="sandbox-faults"),
    path("centra/", include("sandbox.centra.urls")),
    path("fortnox/", include("sandbox.fortnox.urls")),
]
