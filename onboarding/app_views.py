"""The shop owners' self-service area (/app/): their integrations, flows and what needs attention."""

from django.shortcuts import render

from .access import member_required
from .selectors import integrations_overview


@member_required
def home(request):
    return render(request, "onboarding/app/home.html",
                  {"integrations": integrations_overview(request.organization)})
