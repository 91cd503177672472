from django.urls import include, path

from . import views

urlpatterns = [
    path("faults/fortnox/rate-limit", views.fortnox_rate_limit, name="sandbox-fortnox-rate-limit"),
    path("faults/<str:system>", views.fault_profile, name="sandbox-faults"),
    path("faults/fortnox/consents/<str:tenant>/<str:client_id>", views.fortnox_consent,
         name="sandbox-fortnox-consent"),
    path("centra/", include("sandbox.centra.urls")),
    path("fortnox/", include("sandbox.fortnox.urls")),
    path("business_central/", include("sandbox.business_central.urls")),
]
