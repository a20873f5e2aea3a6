"""The IKM over the database: scopes, the served population, the anonymity floor, and who may
read the report."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from antrean.core.errors import DomainError, ErrorCode
from antrean.feedback.models import ANONYMITY_MIN, SurveyResponse
from antrean.feedback.selectors import ikm_aggregate, ikm_by, satisfaction_report, whole_months
from antrean.feedback.tests.helpers import make_response, serve_walk_ins
from antrean.queueing.models import Ticket
from antrean.testing.factories import (
    make_agency,
    make_counter,
    make_inspector,
    make_office,
    make_officer,
    make_region,
    make_service,
    make_superuser,
    make_walk_in,
)

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 2, 10)
Q1 = (dt.date(2025, 1, 1), dt.date(2025, 3, 31))


@pytest.fixture
def mpp():
    office = make_office(code="mpp-uji")
    dukcapil = make_agency(office, name="Disdukcapil")
    samsat = make_agency(office, name="Samsat")
    ktp = make_service(agency=dukcapil, name="KTP-el")
    kk = make_service(agency=dukcapil, name="Kartu Keluarga")
    stnk = make_service(agency=samsat, name="Pajak STNK")
    officer = make_officer(dukcapil)
    counter = make_counter(agency=dukcapil, services=[ktp, kk])
    return type(
        "Mpp",
        (),
        dict(
            office=office,
            dukcapil=dukcapil,
            samsat=samsat,
            ktp=ktp,
            kk=kk,
            stnk=stnk,
            officer=officer,
            counter=counter,
        ),
    )


def test_office_ikm_with_population_and_minimum_sample(mpp):
    # Three answer 3 everywhere and three 4: every NRR 3,5 → 87,50, B.
    for answers in (3, 3, 3, 4, 4, 4):
        make_response(mpp.ktp, DAY, answers)
    make_response(mpp.ktp, dt.date(2025, 4, 1), 1)  # next quarter: not counted
    make_response(make_service(), DAY, 1)  # another office: not counted
    serve_walk_ins(mpp.ktp, counter=mpp.counter, officer=mpp.officer, day=DAY, count=2)
    serve_walk_ins(mpp.ktp, counter=mpp.counter, officer=mpp.officer, day=dt.date(2025, 4, 2))
    make_walk_in(mpp.ktp, now=dt.datetime(2025, 2, 11, 9, tzinfo=mpp.office.zone))  # waiting

    aggregate = ikm_aggregate(office=mpp.office, start=Q1[0], end=Q1[1])

    assert aggregate.responses == 6
    assert aggregate.result.ikm == Decimal("87.50")
    assert aggregate.result.grade.letter == "B"
    assert aggregate.result.nrr == dict.fromkeys([f"u{n}" for n in range(1, 10)], Decimal("3.50"))
    assert aggregate.population == 2  # served to the end in Q1, this office
    assert aggregate.minimum_sample == 2
    assert aggregate.sample_reached


def test_elements_are_read_by_meaning_not_position(mpp):
    # Only `pengaduan` (U8) and `sarpras` (U9) differ: they must land on u8 and u9.
    for _ in range(ANONYMITY_MIN):
        make_response(mpp.ktp, DAY, {"pengaduan": 1, "sarpras": 4})
    nrr = ikm_aggregate(office=mpp.office, start=DAY, end=DAY).result.nrr
    assert (nrr["u8"], nrr["u9"], nrr["u1"]) == (Decimal("1.00"), Decimal("4.00"), Decimal("3.00"))


def test_agency_and_service_scopes(mpp):
    for _ in range(5):
        make_response(mpp.ktp, DAY, 4)
        make_response(mpp.kk, DAY, 2)
        make_response(mpp.stnk, DAY, 1)
    agency = ikm_aggregate(office=mpp.office, start=DAY, end=DAY, agency=mpp.dukcapil)
    assert agency.responses == 10
    assert agency.result.ikm == Decimal("75.00")  # NRR 3 → 75
    service = ikm_aggregate(office=mpp.office, start=DAY, end=DAY, service=mpp.ktp)
    assert service.result.ikm == Decimal("100.00")
    assert service.result.grade.letter == "A"


def test_below_the_floor_only_the_count_is_given(mpp):
    for _ in range(ANONYMITY_MIN - 1):
        make_response(mpp.stnk, DAY, 2)
    aggregate = ikm_aggregate(office=mpp.office, start=DAY, end=DAY, service=mpp.stnk)
    assert aggregate.responses == ANONYMITY_MIN - 1
    assert aggregate.result is None and not aggregate.shown
    make_response(mpp.stnk, DAY, 2)
    assert ikm_aggregate(office=mpp.office, start=DAY, end=DAY, service=mpp.stnk).shown


def test_per_officer_and_counter_figures_are_hidden_below_five(mpp):
    other = make_officer(mpp.dukcapil)
    second_counter = make_counter(agency=mpp.dukcapil, services=[mpp.ktp])
    for _ in range(5):
        make_response(mpp.ktp, DAY, 4, counter=mpp.counter, officer=mpp.officer)
    for _ in range(4):
        make_response(mpp.ktp, DAY, 1, counter=second_counter, officer=other)
    officers = ikm_by("officer", office=mpp.office, start=DAY, end=DAY)
    assert officers[mpp.officer.pk].result.ikm == Decimal("100.00")
    assert officers[other.pk].responses == 4 and officers[other.pk].result is None
    counters = ikm_by("counter", office=mpp.office, start=DAY, end=DAY)
    assert counters[mpp.counter.pk].shown and not counters[second_counter.pk].shown


def test_the_aggregate_is_two_queries_whatever_the_number_of_responses(mpp):
    for _ in range(30):
        make_response(mpp.ktp, DAY, 3)
    with CaptureQueriesContext(connection) as queries:
        ikm_aggregate(office=mpp.office, start=Q1[0], end=Q1[1])
    assert len(queries) == 2


def test_a_period_that_ends_before_it_starts_is_refused(mpp):
    with pytest.raises(DomainError) as refused:
        ikm_aggregate(office=mpp.office, start=dt.date(2025, 3, 1), end=dt.date(2025, 2, 1))
    assert refused.value.code == ErrorCode.INVALID_PERIOD
    with pytest.raises(DomainError) as refused:
        ikm_aggregate(office=mpp.office, start=dt.date(2024, 1, 1), end=dt.date(2025, 1, 1))
    assert refused.value.code == ErrorCode.INVALID_PERIOD  # 367 days


def test_suggestions_are_encrypted_and_read_back_without_context(mpp):
    for i in range(5):
        make_response(mpp.ktp, DAY, 3, suggestion=f"Tambah kursi ruang tunggu {i}" if i else "")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT suggestion FROM {SurveyResponse._meta.db_table}")  # noqa: S608
        stored = [row[0] for row in cursor.fetchall()]
    assert not any("kursi" in (value or "") for value in stored)
    admin = make_officer(mpp.dukcapil, role="office_admin")
    report = satisfaction_report(user=admin, office=mpp.office, start=DAY, end=DAY)
    assert sorted(report.suggestions) == [f"Tambah kursi ruang tunggu {i}" for i in range(1, 5)]


# --- Who reads the report ---


@pytest.fixture
def answered(mpp):
    for _ in range(5):
        make_response(mpp.ktp, DAY, 4, counter=mpp.counter, officer=mpp.officer)
        make_response(mpp.stnk, DAY, 2)
    return mpp


def report_for(user, mpp, **scope):
    return satisfaction_report(user=user, office=mpp.office, start=DAY, end=DAY, **scope)


def test_office_admin_sees_the_whole_office_per_service_and_per_officer(answered):
    admin = make_officer(answered.dukcapil, role="office_admin")
    report = report_for(admin, answered)
    assert report.total.responses == 10
    assert [row.label for row in report.by_service] == ["KTP-el", "Pajak STNK"]
    assert [row.aggregate.responses for row in report.by_officer] == [5]
    assert report.profile["sex"][0][1] + report.profile["sex"][1][1] == 10


def test_an_officer_sees_only_its_agency_and_no_one_by_person(answered):
    officer = answered.officer
    with pytest.raises(DomainError) as refused:
        report_for(officer, answered)  # the whole office
    assert refused.value.code == ErrorCode.FORBIDDEN
    with pytest.raises(DomainError):
        report_for(officer, answered, agency=answered.samsat)
    with pytest.raises(DomainError):
        report_for(officer, answered, service=answered.stnk)
    report = report_for(officer, answered, agency=answered.dukcapil)
    assert report.total.responses == 5
    assert report.by_officer is None and report.by_counter is None


def test_an_agency_admin_sees_its_agency_by_person(answered):
    admin = make_officer(answered.dukcapil, role="agency_admin")
    report = report_for(admin, answered, agency=answered.dukcapil)
    assert [row.aggregate.responses for row in report.by_counter] == [5]
    with pytest.raises(DomainError):
        report_for(admin, answered)


def test_national_admin_sees_everything_and_the_inspectorate_nothing(answered):
    assert report_for(make_superuser(), answered).total.responses == 10
    inspector = make_inspector(make_region())
    with pytest.raises(DomainError) as refused:
        report_for(inspector, answered)
    assert refused.value.code == ErrorCode.FORBIDDEN


def test_an_agency_of_another_office_is_not_found(answered):
    stranger = make_agency(make_office())
    with pytest.raises(DomainError) as refused:
        report_for(make_superuser(), answered, agency=stranger)
    assert refused.value.code == ErrorCode.NOT_FOUND


def test_refusals_change_nothing(answered):
    before = (SurveyResponse.objects.count(), Ticket.objects.count())
    with pytest.raises(DomainError):
        report_for(answered.officer, answered)
    assert (SurveyResponse.objects.count(), Ticket.objects.count()) == before


# --- Whole months and the month-cell floor (no differencing over time) ---


def test_the_period_is_widened_to_whole_months(mpp):
    for _ in range(5):
        make_response(mpp.ktp, dt.date(2025, 2, 1), 4)
    make_response(mpp.ktp, dt.date(2025, 4, 1), 1)  # outside February–March
    asked = ikm_aggregate(office=mpp.office, start=DAY, end=dt.date(2025, 3, 2))
    whole = ikm_aggregate(office=mpp.office, start=dt.date(2025, 2, 1), end=dt.date(2025, 3, 31))
    assert asked == whole
    assert asked.responses == 5 and asked.result.ikm == Decimal("100.00")
    assert whole_months(DAY, DAY) == (dt.date(2025, 2, 1), dt.date(2025, 2, 28))
    assert whole_months(dt.date(2024, 2, 29), dt.date(2024, 12, 1)) == (
        dt.date(2024, 2, 1),
        dt.date(2024, 12, 31),
    )


def test_a_thin_month_hides_the_figures_even_above_five_in_total(mpp):
    for _ in range(5):
        make_response(mpp.ktp, DAY, 4)
    for answers in (1, 2):
        make_response(mpp.ktp, dt.date(2025, 3, 15), answers)  # March: two answers
    q1 = {"office": mpp.office, "start": Q1[0], "end": Q1[1]}
    aggregate = ikm_aggregate(**q1, service=mpp.ktp)
    assert aggregate.responses == 7 and aggregate.thin_month
    assert aggregate.result is None and not aggregate.shown
    # The office, the agency and the service share the one thin month: none is shown.
    assert not ikm_aggregate(**q1).shown
    assert not ikm_aggregate(**q1, agency=mpp.dukcapil).shown
    # January holds none (0 is fine), February five: February alone is shown.
    assert ikm_aggregate(office=mpp.office, start=Q1[0], end=dt.date(2025, 2, 28)).shown
    # Three more in March make it five: Q1 is shown, hand-worked: (5×4 + 1 + 2 + 3×3) / 10.
    for _ in range(3):
        make_response(mpp.ktp, dt.date(2025, 3, 16), 3)
    aggregate = ikm_aggregate(**q1, service=mpp.ktp)
    assert not aggregate.thin_month
    assert aggregate.result.nrr["u1"] == Decimal("3.20")
    assert aggregate.result.ikm == Decimal("80.00")


def test_per_officer_groups_follow_the_month_rule(mpp):
    other = make_officer(mpp.dukcapil)
    for _ in range(5):
        make_response(mpp.ktp, DAY, 4, officer=mpp.officer)
        make_response(mpp.ktp, DAY, 2, officer=other)
    make_response(mpp.ktp, dt.date(2025, 3, 3), 1, officer=other)  # alone in March
    officers = ikm_by("officer", office=mpp.office, start=Q1[0], end=Q1[1])
    assert officers[mpp.officer.pk].result.ikm == Decimal("100.00")
    assert officers[other.pk].responses == 6 and officers[other.pk].result is None
    assert officers[other.pk].thin_month
    # The other officer's February is publishable on its own.
    february = ikm_by("officer", office=mpp.office, start=DAY, end=DAY)
    assert february[other.pk].result.ikm == Decimal("50.00")


def test_the_report_reads_whole_months_and_hides_profile_and_suggestions_of_a_thin_month(mpp):
    admin = make_officer(mpp.dukcapil, role="office_admin")
    for _ in range(5):
        make_response(mpp.ktp, DAY, 4, suggestion="Antrean tertib")
    make_response(mpp.ktp, dt.date(2025, 3, 3), 1, suggestion="Petugas kasar")  # alone in March
    report = satisfaction_report(user=admin, office=mpp.office, start=DAY, end=dt.date(2025, 3, 5))
    assert (report.start, report.end) == (dt.date(2025, 2, 1), dt.date(2025, 3, 31))
    assert report.total.responses == 6 and not report.total.shown
    assert report.profile == {} and report.suggestions == [] and report.by_officer is None
    february = satisfaction_report(user=admin, office=mpp.office, start=DAY, end=DAY)
    assert february.suggestions == ["Antrean tertib"] * 5


def test_the_one_year_cap_applies_to_the_widened_period(mpp):
    ikm_aggregate(office=mpp.office, start=dt.date(2025, 1, 31), end=dt.date(2025, 12, 1))
    with pytest.raises(DomainError) as refused:
        ikm_aggregate(office=mpp.office, start=dt.date(2025, 1, 15), end=dt.date(2026, 1, 14))
    assert (refused.value.code, refused.value.field) == (ErrorCode.INVALID_PERIOD, "from")
