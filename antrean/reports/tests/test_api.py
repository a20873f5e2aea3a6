"""The reports API: filing, following by tracking code, the inspectorate's list and moves."""

import pytest

from antrean.api.tests.staff_setup import bearer
from antrean.reports.models import Report, ReportStatus, ReportStep
from antrean.tenancy.models import Membership
from antrean.testing.factories import (
    make_inspector,
    make_office,
    make_officer,
    make_region,
    make_superuser,
)

TEXT = "Petugas meminta Rp100.000 agar berkas saya diproses hari ini."


def post(client, path, body, **headers):
    return client.post(path, body, content_type="application/json", **headers)


def test_filing_from_a_ticket_answers_a_tracking_code_and_status_follows_it(client, desk):
    response = post(
        client,
        "/api/v1/reports",
        {"booking_code": desk.ticket.code, "nik_last4": "4321", "text": TEXT, "anonymous": True},
    )
    assert response.status_code == 201, response.content
    code = response.json()["tracking_code"]
    report = Report.objects.get()
    assert code == report.tracking_display and report.identity_to_office is False
    assert report.officer == desk.officer and report.channel == "api"
    status = client.get(f"/api/v1/reports/{code}")
    assert status.status_code == 200
    body = status.json()
    assert body["status"] == "received" and body["outcome"] == ""
    assert TEXT not in status.content.decode()  # status only, never the text
    assert client.get(f"/api/v1/reports/{code.replace('-', '').lower()}").status_code == 200


def test_an_office_level_report(client, desk):
    response = post(client, "/api/v1/reports", {"office": desk.office.code, "text": TEXT})
    assert response.status_code == 201
    assert Report.objects.get().ticket is None


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"booking_code": "ZZZZZZZZ", "nik_last4": "4321", "text": TEXT}, 404, "not_found"),
        ({"booking_code": None, "nik_last4": "9999", "text": TEXT}, 404, "not_found"),
        ({"office": "tidak-ada", "text": TEXT}, 404, "not_found"),
        ({"office": None, "text": "singkat"}, 422, "report_text_required"),
        ({"text": TEXT}, 422, "invalid_request"),
        ({"office": None}, 422, "invalid_request"),
    ],
)
def test_refusals_file_nothing(client, desk, body, status, error):
    if "booking_code" in body and body["booking_code"] is None:
        body["booking_code"] = desk.ticket.code
    if "office" in body and body["office"] is None:
        body["office"] = desk.office.code
    response = post(client, "/api/v1/reports", body)
    assert (response.status_code, response.json()["error"]) == (status, error)
    assert not Report.objects.exists()


def test_unknown_tracking_code(client, db):
    assert client.get("/api/v1/reports/ABCD-2345-WXYZ").status_code == 404


def test_rate_limited_per_address(client, desk, settings):
    settings.ANTREAN_REPORTS_PER_ADDRESS = 1
    assert (
        post(client, "/api/v1/reports", {"office": desk.office.code, "text": TEXT}).status_code
        == 201
    )
    response = post(client, "/api/v1/reports", {"office": desk.office.code, "text": TEXT})
    assert (response.status_code, response.json()["error"]) == (429, "rate_limited")
    assert Report.objects.count() == 1


def _file(client, desk):
    response = post(client, "/api/v1/reports", {"office": desk.office.code, "text": TEXT})
    return response.json()["tracking_code"]


def test_the_inspectorate_lists_and_moves(client, desk):
    code = _file(client, desk)
    listed = client.get("/api/v1/inspectorate/reports", **bearer(desk.inspector))
    assert listed.status_code == 200
    assert [r["tracking_code"] for r in listed.json()] == [code]
    assert listed.json()[0]["text"] == TEXT
    moved = post(
        client,
        f"/api/v1/inspectorate/reports/{code}/move",
        {"to": "under_review"},
        **bearer(desk.inspector),
    )
    assert moved.status_code == 200 and moved.json()["status"] == "under_review"
    closed = post(
        client,
        f"/api/v1/inspectorate/reports/{code}/move",
        {"to": "closed", "outcome": "referred_kpk", "reason": "Melibatkan pejabat; ke KPK."},
        **bearer(desk.inspector),
    )
    assert closed.json()["outcome"] == "referred_kpk"
    again = post(
        client,
        f"/api/v1/inspectorate/reports/{code}/move",
        {"to": "under_review"},
        **bearer(desk.inspector),
    )
    assert (again.status_code, again.json()["error"]) == (409, "invalid_transition")
    assert client.get(f"/api/v1/reports/{code}").json()["outcome_label"] == "Diteruskan ke KPK"


def test_every_other_staff_gets_forbidden_and_nothing_changes(client, desk):
    code = _file(client, desk)
    national = make_officer(desk.agency, username="nasional-api")
    Membership.objects.filter(user=national).update(
        role=Membership.Role.NATIONAL_ADMIN, office=None, agency=None
    )
    others = [
        desk.officer,
        make_officer(desk.agency, role=Membership.Role.OFFICE_ADMIN),
        national,
        make_superuser(),
    ]
    for user in others:
        listed = client.get("/api/v1/inspectorate/reports", **bearer(user))
        assert (listed.status_code, listed.json()["error"]) == (403, "forbidden")
        moved = post(
            client,
            f"/api/v1/inspectorate/reports/{code}/move",
            {"to": "under_review"},
            **bearer(user),
        )
        assert (moved.status_code, moved.json()["error"]) == (403, "forbidden")
    denpasar = make_office(region=make_region(code="51.71", name="Kota Denpasar")).region
    elsewhere = make_inspector(denpasar)
    assert client.get("/api/v1/inspectorate/reports", **bearer(elsewhere)).json() == []
    moved = post(
        client,
        f"/api/v1/inspectorate/reports/{code}/move",
        {"to": "under_review"},
        **bearer(elsewhere),
    )
    # Another region's code answers as an unknown one: a 403 would tell the code exists.
    unknown = post(
        client,
        "/api/v1/inspectorate/reports/ZZZZ-ZZZZ-ZZZZ/move",
        {"to": "under_review"},
        **bearer(elsewhere),
    )
    assert (moved.status_code, moved.json()) == (unknown.status_code, unknown.json())
    assert (moved.status_code, moved.json()["error"]) == (404, "not_found")
    assert Report.objects.get().status == ReportStatus.RECEIVED
    assert ReportStep.objects.count() == 1


def test_without_a_token(client, desk):
    assert client.get("/api/v1/inspectorate/reports").status_code == 401
