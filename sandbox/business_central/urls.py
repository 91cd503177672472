"""Business Central paths under /sandbox/business_central/, for both of its hosts:
`login.microsoftonline.com/{tenant}/oauth2/v2.0/token` and `api.businesscentral.dynamics.com/...`."""

from django.urls import re_path

from . import views

app_name = "sandbox_business_central"

urlpatterns = [
    re_path(r"^(?P<tenant>[^/]+)/oauth2/v2\.0/token/?$", views.token, name="token"),
    re_path(r"^environments/v1\.2/?$", views.environments, name="environments"),
    re_path(r"^v2\.0/(?:(?P<tenant>[^/]+)/)?(?P<environment>[^/]+)/api/v2\.0/?(?P<rest>.*)$", views.api, name="api"),
]
