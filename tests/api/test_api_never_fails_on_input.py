"""No input makes the partner API fail: Schemathesis sends what the published schema allows and what
it refuses (huge and negative ids, wrong types, odd strings) to every operation as a staff caller,
and none may answer 5xx. The integration in the path is a real one, so bodies, filters and ids
reach the serializers and the database instead of stopping at a 404 for an unknown slug."""

import socket

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 6  # bounded: every operation, positive and negative cases, in about a minute


@pytest.fixture(autouse=True)
def no_waiting_on_made_up_hosts(monkeypatch):
    """Generated bodies name hosts no machine here can reach (there is no internet): answer such a
    lookup at once, as a resolver without a network eventually does, so the suite never waits on DNS."""
    real = socket.getaddrinfo

    def local_only(host, *args, **kwargs):
        if str(host) in ("localhost", "::1") or str(host).startswith("127."):
            return real(host, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", local_only)


@pytest.fixture
def app():
    """The app called in-process. As Django's test client does, the database connection stays open
    between requests: the test's transaction lives on it."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield WSGIHandler()
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def test_no_input_makes_the_api_answer_5xx(app, shops):
    _, ours, _ = shops
    staff = get_user_model().objects.create_user("staff", is_staff=True)
    auth = {"Authorization": f"Token {Token.objects.create(user=staff).key}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6, [op.label for op in operations]  # the schema publishes every operation

    for operation in operations:
        cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                          operation.as_strategy(GenerationMode.NEGATIVE))

        @given(case=cases)
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        def answers_below_500(case):
            for name in ("integration_slug", "slug"):
                if name in (case.path_parameters or {}):
                    case.path_parameters[name] = ours.slug
            case.call_and_validate(headers=auth, checks=[not_a_server_error])

        answers_below_500()
