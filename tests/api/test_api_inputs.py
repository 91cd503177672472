"""Whatever a caller sends, the API answers 4xx with a message next to the field, never 500, and a
run id of a shop the caller cannot see looks exactly like one that does not exist."""

import pytest

from integrations.models import SyncRecord, SyncRun

from .conftest import client_for

pytestmark = pytest.mark.django_db

BEYOND_THE_DATABASE = 10**30
FIRST_BEYOND_BIGINT = 2**63
RETRY = "/api/v1/integrations/ours/records/retry/"
RECORDS = "/api/v1/integrations/ours/records/"


def post_retry(user, body):
    return client_for(user).post(RETRY, body, format="json")


def fields(answer) -> dict:
    """The field errors of the one error body every endpoint answers."""
    return answer.json()["error"]["fields"]


def run_of(integration) -> int:
    return SyncRun.objects.get(flow__integration=integration).pk


def unknown_run_id() -> int:
    return SyncRun.objects.order_by("-pk").first().pk + 1000


# --- retry ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad_id", [BEYOND_THE_DATABASE, FIRST_BEYOND_BIGINT, 0, -1])
def test_retry_refuses_ids_outside_the_database_range_with_400_next_to_the_id(shops, bad_id):
    partner_user, ours, _ = shops
    mine = SyncRecord.objects.get(integration=ours).pk

    answer = post_retry(partner_user, {"ids": [mine, bad_id]})

    assert answer.status_code == 400
    assert list(fields(answer)) == ["ids.1"]  # the position of the bad id in the list
    assert SyncRecord.objects.get(pk=mine).next_retry_at is None  # nothing queued by a refused request


def test_retry_takes_the_largest_id_the_database_can_hold_and_answers_it_is_not_found(shops):
    partner_user, _, _ = shops

    answer = post_retry(partner_user, {"ids": [FIRST_BEYOND_BIGINT - 1]})

    assert answer.status_code == 404  # a well-formed id of no record of this integration: not found


def test_retry_refuses_an_empty_id_list_and_more_ids_than_one_request_may_carry(shops):
    partner_user, _, _ = shops

    empty = post_retry(partner_user, {"ids": []})
    too_many = post_retry(partner_user, {"ids": list(range(1, 1002))})

    assert empty.status_code == 400
    assert "ids" in fields(empty)
    assert too_many.status_code == 400
    assert "no more than 1000" in fields(too_many)["ids"][0]


def test_retry_by_a_run_of_a_shop_the_caller_cannot_see_answers_exactly_like_an_unknown_run(shops):
    partner_user, _, theirs = shops

    foreign = post_retry(partner_user, {"run": run_of(theirs)})
    unknown = post_retry(partner_user, {"run": unknown_run_id()})

    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json()["error"]["code"] == unknown.json()["error"]["code"] == "not_found"
    assert SyncRecord.objects.get(integration=theirs).next_retry_at is None


@pytest.mark.parametrize("bad_run", [BEYOND_THE_DATABASE, FIRST_BEYOND_BIGINT, 0, "seven", 1.5, True])
def test_retry_by_a_run_id_that_is_no_database_id_is_400_not_500(shops, bad_run):
    partner_user, _, _ = shops

    answer = post_retry(partner_user, {"run": bad_run})

    assert answer.status_code == 400
    assert list(fields(answer)) == ["run"]


def test_retry_by_its_own_run_queues_that_runs_open_failures(shops):
    partner_user, ours, _ = shops

    answer = post_retry(partner_user, {"run": run_of(ours)})

    assert answer.json()["queued"] == 1
    assert SyncRecord.objects.get(integration=ours).next_retry_at is not None


def test_a_run_of_another_of_the_partners_shops_is_no_run_of_this_integration(shops):
    """Ids are scoped to the integration in the URL, even among shops the partner looks after."""
    partner_user, ours, theirs = shops
    theirs.organization.partner = ours.organization.partner
    theirs.organization.save()

    answer = post_retry(partner_user, {"run": run_of(theirs)})

    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == f"No run {run_of(theirs)} in this integration."


# --- records filtered by run ---------------------------------------------------------------------------


def test_records_filtered_by_a_run_the_caller_cannot_see_answer_exactly_like_an_unknown_run(shops):
    partner_user, _, theirs = shops
    api = client_for(partner_user)

    foreign = api.get(RECORDS, {"run": run_of(theirs)})
    unknown = api.get(RECORDS, {"run": unknown_run_id()})

    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json()["error"]["code"] == unknown.json()["error"]["code"] == "not_found"


def test_staff_filtering_by_a_run_of_another_integration_gets_the_same_answer(shops):
    """Staff see every integration, but a run id still belongs to the integration in the URL."""
    partner_user, _, theirs = shops
    partner_user.is_staff = True
    partner_user.save()

    answer = client_for(partner_user).get(RECORDS, {"run": run_of(theirs)})

    assert answer.status_code == 404


@pytest.mark.parametrize("bad_run", [str(BEYOND_THE_DATABASE), str(FIRST_BEYOND_BIGINT), "0", "-3", "1.5"])
def test_records_filtered_by_a_number_that_names_no_run_here_are_404_not_500(shops, bad_run):
    partner_user, _, _ = shops

    answer = client_for(partner_user).get(RECORDS, {"run": bad_run})

    assert answer.status_code == 404


def test_records_filtered_by_a_run_that_is_no_number_are_400_next_to_the_filter(shops):
    answer = client_for(shops[0]).get(RECORDS, {"run": "abc"})

    assert answer.status_code == 400
    assert list(fields(answer)) == ["run"]


def test_records_filtered_by_their_own_run_are_listed(shops):
    partner_user, ours, _ = shops

    answer = client_for(partner_user).get(RECORDS, {"run": run_of(ours)})

    assert answer.status_code == 200
    assert [r["id"] for r in answer.json()["results"]] == [SyncRecord.objects.get(integration=ours).pk]


# --- ids in the path ---------------------------------------------------------------------------------


@pytest.mark.parametrize("resource", ["records", "runs"])
@pytest.mark.parametrize("bad_id", [BEYOND_THE_DATABASE, FIRST_BEYOND_BIGINT, 0, -1, "abc"])
def test_ids_in_the_path_that_are_no_database_id_answer_404_like_an_unknown_id(shops, resource, bad_id):
    partner_user, _, _ = shops

    answer = client_for(partner_user).get(f"/api/v1/integrations/ours/{resource}/{bad_id}/")

    assert answer.status_code == 404


@pytest.mark.parametrize("resource", ["records", "runs"])
def test_a_record_or_run_of_a_shop_the_caller_cannot_see_is_404_like_an_unknown_one(shops, resource):
    partner_user, _, theirs = shops
    api = client_for(partner_user)
    foreign = (SyncRecord.objects.get(integration=theirs).pk if resource == "records" else run_of(theirs))

    assert api.get(f"/api/v1/integrations/ours/{resource}/{foreign}/").status_code == 404
    assert api.get(f"/api/v1/integrations/ours/{resource}/{foreign + 1000}/").status_code == 404


@pytest.mark.parametrize("cursor", [str(BEYOND_THE_DATABASE), "0", "x"])
def test_a_cursor_not_given_out_by_the_api_is_400_not_500(shops, cursor):
    answer = client_for(shops[0]).get(RECORDS, {"cursor": cursor})

    assert answer.status_code == 400
    assert list(fields(answer)) == ["cursor"]


@pytest.mark.parametrize("page_size", ["0", "201", "x", "²", "１０", str(BEYOND_THE_DATABASE)])
def test_a_page_size_outside_1_to_200_is_400(shops, page_size):
    answer = client_for(shops[0]).get(RECORDS, {"page_size": page_size})

    assert answer.status_code == 400
    assert list(fields(answer)) == ["page_size"]


@pytest.mark.parametrize("moment", ["0706-12-21T18:47:31+16:46", "0001-01-01T00:00:00+01:00",
                                    "9999-12-31T23:59:59-10:00"])
def test_a_moment_with_any_offset_filters_runs_without_a_server_error(moment, agency):
    client, _, ours = agency

    for name in ("started_after", "started_before"):
        answer = client.get(f"/api/v1/integrations/{ours.slug}/runs/", {name: moment})
        assert answer.status_code == 200, answer.content
