"""The OpenAPI contract, checked by schemathesis on every operation of /api/openapi.json.

The document is fetched from the app and every operation is exercised in-process (Django's
WSGI app, the real test database) with data schemathesis generates from the schema: valid
and invalid, from the schema's examples, from its boundaries (coverage phase) and at random
(fuzzing). The run fails on any 5xx, any status code the document does not list for the
operation, any response that does not match its schema, any content type the document does
not declare, a schema-invalid request that is accepted, and a schema-valid request that is
refused as malformed (`400`, or `422 invalid_request` for anything but a domain rule).

To reach more than "not found", each test has a small office like the demo's (an office, two
services with slots, a booking with its certificate, a counter with waiting tickets, an
officer who signed today's pact) and, just before a request is sent, puts a real office
code, id, booking code, token or pact hash into three in four of the generated values of a
valid request (chosen from a hash of the generated case, so a run is reproducible). Staff
operations carry a valid Bearer token; schemathesis also sends them without it and with a
wrong one.

Bounded: a few examples per operation, derandomized, so that it runs in well under a minute
per database on two cores and never flakes. Schemathesis' stateful phase (chains of calls
following the document's links) is off: the document declares no links.
"""

import dataclasses
import datetime as dt
import zlib
from collections.abc import MutableMapping

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core import NotSet
from schemathesis.generation import GenerationMode

from antrean.api.auth import TOKEN_LIFETIME
from antrean.api.models import ApiToken
from antrean.api.tests.conftest import office_at_noon
from antrean.api.tests.staff_setup import PASSWORD, citizen_pact, make_staff, walk_in
from antrean.core.tokens import token_hash
from antrean.dashboards.tests.world import add_day
from antrean.integrity.certificates import certificate_render
from antrean.integrity.ledger import ledger_head
from antrean.integrity.models import Audience, Certificate
from antrean.integrity.services import pact_in_force
from antrean.integrity.signing import signing_cache_clear
from antrean.queueing.services import ticket_call_next
from antrean.testing.factories import (
    make_agency,
    make_booking,
    make_counter,
    make_nik,
    make_regional_admin,
    make_service,
    make_slot,
    sign_officer_pact,
    tomorrow,
)

# Examples per operation for the fuzzing phase; the examples and coverage phases add their
# own (a bounded, deterministic set). 30 operations x this, on two cores, in under a minute.
MAX_EXAMPLES = 12

# Schema-valid requests that a rule of the domain refuses with `invalid_request`: a transfer
# to the ticket's own service or to a service of another office. Nothing else may answer a
# schema-valid request with `invalid_request`.
DOMAIN_INVALID_REQUEST = {
    ("transferTicket", "service_id"),
    # A report names a ticket (code + NIK ending) or an office: one of the two is needed.
    ("createReport", "office"),
    # An outcome closes a report, and closing needs one.
    ("moveReport", "outcome"),
}

# The officer's Bearer token in every test's office (only its hash is stored, as always).
# Given to schemathesis as the API's auth, so that it also sends requests without it.
TOKEN = "kontrak-" + "0" * 40
# The dashboards' figures are for the office's overseers, not its officers: valid requests to
# them carry the token of the regency's admin instead (the officer's would always be 403).
REGIONAL_TOKEN = "kontrak-regional-" + "0" * 32

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20_260_302,
        "auth": {"openapi": {"BearerAuth": {"bearer": TOKEN}}},
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
        },
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},
        },
        "checks": {
            # A valid request may still be refused by a rule of the service (a full slot, an
            # invalid NIK): those are 409 and 422 with their own codes. See also
            # `schema_valid_input_is_not_refused_as_malformed` below.
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]
            },
        },
    }
)

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application(), config=CONFIG)


@schema.hook("filter_case")
def _no_empty_file_through_werkzeug(context, case) -> bool:
    """werkzeug's test client, which sends schemathesis' requests to a WSGI app, encodes an
    empty file part without the line break before the next boundary; Django then reads no
    file at all (422, `file` missing), which no real HTTP client causes. Only that case is
    left out: the upload with any content is sent."""
    if case.media_type != "multipart/form-data" or not isinstance(case.body, dict):
        return True
    upload = case.body.get("file")
    return getattr(upload, "data", upload) not in (b"", "")


@dataclasses.dataclass
class Office:
    """What the generated requests may point at, and the values that reach it."""

    code: str
    service_ids: list[int]
    slot_ids: list[int]
    dates: list[str]
    booking_code: str
    booking_token: str
    booking_nik_last4: str
    counter_id: int
    ticket_ids: list[int]
    ledger_seqs: list[int]
    verification_code: str
    citizen_pact: dict
    officer_pact: dict
    username: str
    password: str
    headers: dict
    region_code: str

    def pick(self, seed: object, choices: list):
        """One of `choices`, or None to keep the generated value: a stable choice, so the
        same generated case gets the same substitution every run."""
        digest = zlib.crc32(repr(seed).encode())
        if digest % 4 == 0:  # a quarter of the values stay as generated
            return None
        return choices[(digest >> 2) % len(choices)]


def _by_path_parameter(office: Office, path: str) -> dict[str, list]:
    code = [office.booking_code] if path.startswith("/api/v1/bookings/") else [office.code]
    return {
        "code": code,
        "service_id": office.service_ids,
        "counter_id": [office.counter_id],
        "ticket_id": office.ticket_ids,
        "seq": office.ledger_seqs,
        "verification_code": [office.verification_code],
        "region_code": [office.region_code],
    }


def _by_body_field(office: Office, path: str) -> dict[str, list]:
    pact = office.officer_pact if path == "/api/v1/officer/pact" else office.citizen_pact
    checking_in = path == "/api/v1/checkin"
    return {
        "slot_id": office.slot_ids,
        "service_id": office.service_ids,
        "counter_id": [office.counter_id],
        "ticket_id": office.ticket_ids,
        "pact_version": [pact["pact_version"]],
        "pact_sha256": [pact["pact_sha256"]],
        "pact_agreed": [True],
        "office": [office.code],
        "username": [office.username],
        "password": [office.password],
        "code": [office.booking_code] if checking_in else [],
        "nik_last4": [office.booking_nik_last4] if checking_in else [],
    }


def _substitute(office: Office, seed: str, container, choices: dict[str, list]) -> None:
    if not isinstance(container, MutableMapping):
        return
    for name in list(container):
        values = choices.get(name)
        if values:
            value = office.pick((seed, name), values)
            if value is not None:
                container[name] = value


def _point_at_real_objects(office: Office, case) -> None:
    if case.meta is None or case.meta.generation.mode is not GenerationMode.POSITIVE:
        # An invalid request stays as generated: a real value could make it valid.
        return
    path = case.operation.path
    # The whole case as generated: the same case gets the same substitutions every run.
    body = None if isinstance(case.body, NotSet) else case.body  # NotSet's repr has an address
    seed = repr((case.operation.label, case.path_parameters, case.query, case.headers, body))
    _substitute(office, seed, case.path_parameters, _by_path_parameter(office, path))
    _substitute(
        office,
        seed,
        case.query,
        {"date": office.dates, "office": [office.code], "from": office.dates, "to": office.dates},
    )
    if path.startswith("/api/v1/bookings/"):
        # The booking's own operations; the header is optional, so often not generated.
        if case.headers is None:
            case.headers = {}
        case.headers.setdefault("X-Booking-Token", "")
        _substitute(office, seed, case.headers, {"X-Booking-Token": [office.booking_token]})
    _substitute(office, seed, case.body, _by_body_field(office, path))
    if path.startswith("/api/v1/dashboard/") and office.pick((seed, "auth"), [True]):
        if case.headers is None:
            case.headers = {}
        case.headers["Authorization"] = f"Bearer {REGIONAL_TOKEN}"


def schema_valid_input_is_not_refused_as_malformed(ctx, response, case) -> None:
    """A request the schema accepts is never answered 400, nor 422 `invalid_request` (what
    the schema check answers): the schema says exactly what is accepted."""
    meta = case.meta
    if meta is None or meta.generation.mode is not GenerationMode.POSITIVE:
        return
    assert response.status_code != 400, f"{response.status_code}: {response.text}"
    if response.status_code == 422:
        body = response.json()
        if body.get("error") == "invalid_request":
            where = (case.operation.definition.raw.get("operationId"), body.get("field"))
            assert where in DOMAIN_INVALID_REQUEST, f"schema-valid input refused: {body}"


@pytest.fixture
def in_process_app():
    """Django's test client does this too: requests served in-process must not close the
    test's connection (its transaction) at the end of each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def office(settings, tmp_path, in_process_app) -> Office:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ANTREAN_KEY_DIR = tmp_path / "keys"
    # Low enough that a run meets it (429 is part of createBooking's contract).
    settings.ANTREAN_BOOKINGS_PER_ADDRESS = 8
    signing_cache_clear()

    place = office_at_noon(code="mpp-kontrak")
    agency = make_agency(place, code="disdukcapil")
    ktp = make_service(agency=agency, code="ktp-el", prefix="A")
    kk = make_service(agency=agency, code="kk", prefix="B")
    today, next_day = place.local_today(), tomorrow(place)
    slots = [
        make_slot(ktp, date=next_day, capacity=8),
        make_slot(ktp, date=today, start=dt.time(15), end=dt.time(16), capacity=8),
        make_slot(kk, date=next_day, start=dt.time(10), end=dt.time(11), capacity=8),
    ]
    nik = make_nik(4321)
    booked = make_booking(slots[0], nik=nik)
    certificate = certificate_render(
        certificate_id=Certificate.objects.get(signature__ticket=booked.ticket).pk
    )

    counter = make_counter(agency=agency, services=[ktp, kk])
    officer = make_staff(agency)
    now = timezone.now()
    ApiToken.objects.create(
        user=officer, key_hash=token_hash(TOKEN), created_at=now, expires_at=now + TOKEN_LIFETIME
    )
    sign_officer_pact(officer, place)
    regional = make_regional_admin(place.region)
    ApiToken.objects.create(
        user=regional,
        key_hash=token_hash(REGIONAL_TOKEN),
        created_at=now,
        expires_at=now + TOKEN_LIFETIME,
    )
    add_day(ktp, today, online=3, walkin=2, served=4, waits=(90, 400), surveys=(3,) * 5)
    waiting = [walk_in(ktp), walk_in(ktp), walk_in(kk)]
    called = ticket_call_next(counter=counter, officer=officer)
    officer_pact = pact_in_force(office=place, audience=Audience.OFFICER, agency=agency)

    yield Office(
        code=place.code,
        service_ids=[ktp.pk, kk.pk],
        slot_ids=[slot.pk for slot in slots],
        dates=[today.isoformat(), next_day.isoformat()],
        booking_code=booked.ticket.code,
        booking_token=booked.token,
        booking_nik_last4=nik[-4:],
        counter_id=counter.pk,
        ticket_ids=[called.pk, *(ticket.pk for ticket in waiting), booked.ticket.pk],
        ledger_seqs=list(range(1, ledger_head(office=place).seq + 1)),
        verification_code=certificate.verification_code,
        citizen_pact=citizen_pact(place),
        officer_pact={
            "pact_version": officer_pact.pact.version,
            "pact_sha256": officer_pact.sha256,
        },
        username=officer.get_username(),
        password=PASSWORD,
        # The in-process client does not decompress; what is checked is the content.
        headers={"Accept-Encoding": "identity"},
        region_code=place.region.code,
    )
    signing_cache_clear()


@pytest.fixture
def real_objects(office):
    """Point generated values at `office` just before each request is sent (a before_call
    hook: schemathesis re-checks then whether the case is still valid or invalid)."""

    def before_call(context, case, kwargs):
        _point_at_real_objects(office, case)

    hook = schemathesis.hook("before_call")(before_call)
    yield office
    schemathesis.hooks.unregister(hook)


@pytest.mark.django_db
@schema.parametrize()
# One office per operation, shared by its examples: they add to it (bookings, calls) as a
# day at the office would.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_operation_keeps_its_contract(case, real_objects):
    case.call_and_validate(
        headers=real_objects.headers,
        # werkzeug's test client sets no client address; the booking limit counts by it.
        environ_base={"REMOTE_ADDR": "198.51.100.20"},
        additional_checks=[schema_valid_input_is_not_refused_as_malformed],
    )


def test_the_contract_run_covers_every_operation():
    """Nothing is left out (or silently skipped): one test per operation in the document."""
    operations = [
        (method, path) for path, methods in schema.raw_schema["paths"].items() for method in methods
    ]
    tested = [result.ok() for result in schema.get_all_operations()]
    assert len(tested) == len(operations) >= 30


@pytest.mark.django_db
def test_an_empty_upload_sent_by_a_real_client_is_checked(client):
    """What `_no_empty_file_through_werkzeug` leaves out, encoded as clients do."""
    body = (
        b"--zz\r\n"
        b'Content-Disposition: form-data; name="file"; filename="piagam.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n"
        b"\r\n--zz--\r\n"
    )

    response = client.generic(
        "POST", "/api/v1/certificates/verify", body, content_type="multipart/form-data; boundary=zz"
    )

    assert response.status_code == 200
    assert response.json()["valid"] is False
