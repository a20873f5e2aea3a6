"""Staff pages around the console: login and lockout, who may open which counter, the audit
page (access, filters, acknowledging) and the admin of audit flags and counters."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from antrean.catalog.models import Counter
from antrean.queueing.models import AuditFlag, Ticket, TicketEvent
from antrean.queueing.services import ticket_call_specific
from antrean.queueing.states import Status
from antrean.queueing.tests.test_console import make_desk, make_open_office, sign, url
from antrean.tenancy.models import Membership
from antrean.testing.factories import (
    make_agency,
    make_counter,
    make_officer,
    make_service,
    make_walk_in,
    sign_officer_pact,
)
from antrean.testing.signin import sign_in

pytestmark = pytest.mark.django_db

LOGIN = reverse("queueing:login")
AUDIT = reverse("queueing:audit")
PASSWORD = "sandi-petugas-123"


@pytest.fixture
def desk():
    return make_desk()


# --- login ---------------------------------------------------------------------------------


def _login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_login_page_speaks_indonesian(client):
    page = client.get(LOGIN).content.decode()
    assert "Masuk sebagai staf" in page
    assert "Nama pengguna" in page and "Kata sandi" in page


def test_officer_logs_in_and_lands_on_the_counter_list(client, desk):
    desk.officer.set_password(PASSWORD)
    desk.officer.save()
    response = _login(client, desk.officer.username, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("queueing:counters")
    page = client.get(response["Location"]).content.decode()
    assert url("console", desk) in page


def test_wrong_password_is_explained(client, desk):
    response = _login(client, desk.officer.username, "salah-sekali")
    assert response.status_code == 200
    assert "Nama pengguna atau kata sandi salah." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_login_with_a_clear_message(client, desk):
    desk.officer.set_password(PASSWORD)
    desk.officer.save()
    for _ in range(4):
        assert _login(client, desk.officer.username, "salah-sekali").status_code == 200
    fifth = _login(client, desk.officer.username, "salah-sekali")
    assert fifth.status_code == 429
    page = fifth.content.decode()
    assert "Terlalu banyak percobaan masuk yang gagal." in page
    assert 'data-error="too_many_attempts"' in page
    assert "coba lagi dalam 2 menit" in page
    assert 110 <= int(fifth["Retry-After"]) <= 120
    # Even the right password is refused while locked out.
    locked = _login(client, desk.officer.username, PASSWORD)
    assert locked.status_code == 429
    assert "Terlalu banyak percobaan masuk yang gagal." in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout(client, desk):
    sign_in(client, desk.officer)
    response = client.post(reverse("queueing:logout"))
    assert response["Location"] == LOGIN
    assert client.get(reverse("queueing:counters")).status_code == 302


# --- who may open which counter ------------------------------------------------------------


def _pages(desk, ticket):
    return [
        ("get", url("console", desk)),
        ("get", url("pact", desk)),
        ("get", url("queue", desk)),
        ("post", url("call_next", desk)),
        ("post", url("move", desk, ticket.pk, "mulai")),
        ("post", url("check_in", desk)),
        ("post", url("walk_in", desk)),
    ]


def test_anonymous_is_sent_to_the_login_page(client, desk):
    ticket = make_walk_in(desk.service).ticket
    for method, address in [*_pages(desk, ticket), ("get", reverse("queueing:counters"))]:
        response = getattr(client, method)(address)
        assert response.status_code == 302, address
        assert response["Location"].startswith(f"{LOGIN}?next="), address
    for address in (AUDIT, reverse("queueing:audit_acknowledge", args=[1])):
        assert client.get(address)["Location"].startswith(f"{LOGIN}?next=")
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING


@pytest.mark.parametrize("where", ["other-agency", "other-office"])
def test_an_officer_cannot_open_another_agencys_counter(client, desk, where):
    if where == "other-agency":
        agency = make_agency(desk.office, short_name="Imigrasi")
    else:
        agency = make_agency(make_open_office("mpp-lain"), short_name="Disdukcapil")
    stranger = make_officer(agency, username="petugas-lain")
    sign_officer_pact(stranger, agency.office)
    sign_in(client, stranger)
    ticket = make_walk_in(desk.service).ticket
    events = TicketEvent.objects.count()
    for method, address in _pages(desk, ticket):
        response = getattr(client, method)(address)
        assert response.status_code == 403, address
        assert 'data-error="forbidden"' in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING
    assert TicketEvent.objects.count() == events
    assert Ticket.objects.count() == 1
    # And their own counter list does not offer it.
    assert url("console", desk) not in client.get(reverse("queueing:counters")).content.decode()


def test_counter_list_shows_only_the_officers_counters(client, desk):
    mine_too = make_counter(agency=desk.agency, services=[desk.service], number=4)
    other_agency = make_agency(desk.office, short_name="Imigrasi")
    theirs = make_counter(
        agency=other_agency, services=[make_service(agency=other_agency, prefix="P")]
    )
    sign_in(client, desk.officer)
    page = client.get(reverse("queueing:counters")).content.decode()
    assert reverse("queueing:console", args=[desk.counter.pk]) in page
    assert reverse("queueing:console", args=[mine_too.pk]) in page
    assert reverse("queueing:console", args=[theirs.pk]) not in page
    assert AUDIT not in page  # officers do not audit


def test_an_inactive_or_missing_counter_is_not_found(client, desk):
    sign_in(client, desk.officer)
    Counter.objects.filter(pk=desk.counter.pk).update(is_active=False)
    assert client.get(url("console", desk)).status_code == 404
    assert client.get(reverse("queueing:console", args=[999999])).status_code == 404


def test_a_ticket_of_another_agency_cannot_be_moved_from_this_counter(client, desk):
    other_agency = make_agency(desk.office)
    theirs = make_walk_in(make_service(agency=other_agency, prefix="P")).ticket
    sign_in(client, desk.officer)
    sign(client, desk)
    response = client.post(
        url("move", desk, theirs.pk, "panggil"), {"reason": "Mencoba memanggil"}, follow=True
    )
    assert "Anda tidak berwenang" in " ".join(str(m) for m in response.context["messages"])
    theirs.refresh_from_db()
    assert theirs.status == Status.WAITING
    assert not AuditFlag.objects.exists()


# --- the audit page ------------------------------------------------------------------------


def _office_admin(office, username="admin-kantor"):
    user = get_user_model().objects.create_user(username, is_staff=True, first_name="Kadek")
    Membership.objects.create(user=user, role=Membership.Role.OFFICE_ADMIN, office=office)
    return user


def _out_of_order(desk, *, reason="Warga disabilitas, didahulukan"):
    """A flag, as the console makes it: a later ticket called first, with a reason."""
    make_walk_in(desk.service, name="Pertama Satu")
    later = make_walk_in(desk.service, name="Kedua Dua").ticket
    sign_officer_pact(desk.officer, desk.office)
    ticket_call_specific(
        ticket_id=later.pk, counter=desk.counter, officer=desk.officer, reason=reason
    )
    return AuditFlag.objects.get(ticket=later)


@pytest.fixture
def flag(desk):
    return _out_of_order(desk)


def test_officers_may_not_open_the_audit_page(client, desk, flag):
    sign_in(client, desk.officer)
    response = client.get(AUDIT)
    assert response.status_code == 403
    response = client.post(
        reverse("queueing:audit_acknowledge", args=[flag.pk]), {"note": "Saya sendiri"}
    )
    assert response.status_code == 403
    flag.refresh_from_db()
    assert flag.acknowledged_at is None


def test_office_admin_sees_the_flags_of_their_office(client, desk, flag):
    admin = _office_admin(desk.office)
    sign_in(client, admin)
    response = client.get(AUDIT)
    assert response.status_code == 200
    page = response.content.decode()
    assert flag.ticket.number in page
    assert "Dipanggil tidak berurutan" in page
    assert "Warga disabilitas, didahulukan" in page
    assert desk.officer.username in page
    assert list(response.context["page"].object_list) == [flag]
    # The counter list offers the audit page to an office admin.
    assert AUDIT in client.get(reverse("queueing:counters")).content.decode()


def test_an_admin_of_another_office_sees_none_of_them(client, desk, flag):
    elsewhere = make_open_office("mpp-lain")
    sign_in(client, _office_admin(elsewhere))
    response = client.get(AUDIT + f"?kantor={desk.office.code}")
    assert response.status_code == 200
    assert response.context["office"] == elsewhere  # not the asked one
    assert list(response.context["page"].object_list) == []
    response = client.post(
        reverse("queueing:audit_acknowledge", args=[flag.pk]), {"note": "Bukan kantor saya"}
    )
    assert response.status_code == 403
    flag.refresh_from_db()
    assert flag.acknowledged_at is None


def test_superuser_may_audit_any_office(admin_client, desk, flag):
    response = admin_client.get(AUDIT + f"?kantor={desk.office.code}")
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [flag]


def test_audit_filters(client, desk, flag):
    # A second officer and counter, a flag of another kind, and a flag from last week.
    other_counter = make_counter(agency=desk.agency, services=[desk.service], number=7)
    other_officer = make_officer(desk.agency, username="petugas-dua")
    now = timezone.now()
    too_fast = AuditFlag.objects.create(
        office=desk.office,
        kind=AuditFlag.Kind.TOO_FAST,
        officer=other_officer,
        counter=other_counter,
        at=now - dt.timedelta(days=7),
        detail="Selesai dalam 12 detik",
        acknowledged_at=now,
        acknowledged_by=other_officer,
        acknowledgement="Sudah diperiksa",
    )
    sign_in(client, _office_admin(desk.office))

    def shown(query: str) -> list:
        response = client.get(AUDIT + "?" + query)
        assert response.status_code == 200
        return list(response.context["page"].object_list)

    today = desk.office.local_today()
    last_week = today - dt.timedelta(days=7)
    assert shown("") == [flag, too_fast]
    assert shown("jenis=too_fast") == [too_fast]
    assert shown("jenis=out_of_order") == [flag]
    assert shown(f"loket={other_counter.pk}") == [too_fast]
    assert shown(f"petugas={desk.officer.pk}") == [flag]
    assert shown(f"dari={today}") == [flag]
    assert shown(f"sampai={last_week}") == [too_fast]
    assert shown(f"dari={last_week}&sampai={last_week}") == [too_fast]
    assert shown("status=belum") == [flag]
    assert shown("status=sudah") == [too_fast]
    # A reversed range is explained, not silently emptied.
    response = client.get(AUDIT + f"?dari={today}&sampai={last_week}")
    assert "Tanggal akhir harus sama dengan atau setelah tanggal awal." in (
        response.content.decode()
    )


def test_acknowledging_records_who_when_and_keeps_the_flag(client, desk, flag):
    admin = _office_admin(desk.office)
    sign_in(client, admin)
    back = AUDIT + "?status=belum"
    address = reverse("queueing:audit_acknowledge", args=[flag.pk])

    response = client.post(address, {"note": "  ", "next": back})
    assert response["Location"] == back
    flag.refresh_from_db()
    assert flag.acknowledged_at is None

    response = client.post(address, {"note": "Diperiksa: warga memang disabilitas.", "next": back})
    assert response["Location"] == back
    flag.refresh_from_db()
    assert flag.acknowledged_by == admin
    assert flag.acknowledged_at is not None
    assert flag.acknowledgement == "Diperiksa: warga memang disabilitas."
    assert AuditFlag.objects.filter(pk=flag.pk).exists()
    page = client.get(AUDIT).content.decode()
    assert "Diperiksa: warga memang disabilitas." in page

    # The first acknowledgement stands.
    client.post(address, {"note": "Catatan kedua"})
    flag.refresh_from_db()
    assert flag.acknowledgement == "Diperiksa: warga memang disabilitas."


def test_acknowledge_never_redirects_off_site(client, desk, flag):
    sign_in(client, _office_admin(desk.office))
    response = client.post(
        reverse("queueing:audit_acknowledge", args=[flag.pk]),
        {"note": "Oke", "next": "https://contoh.invalid/"},
    )
    assert response["Location"] == AUDIT


# --- admin ---------------------------------------------------------------------------------


def test_admin_acknowledges_flags_with_a_note_and_never_deletes(admin_client, admin_user, flag):
    changelist = reverse("admin:queueing_auditflag_changelist")
    form = admin_client.post(changelist, {"action": "acknowledge", "_selected_action": [flag.pk]})
    assert form.status_code == 200
    assert 'name="note"' in form.content.decode()
    flag.refresh_from_db()
    assert flag.acknowledged_at is None

    response = admin_client.post(
        changelist,
        {
            "action": "acknowledge",
            "_selected_action": [flag.pk],
            "apply": "1",
            "note": "Diperiksa di admin",
        },
    )
    assert response.status_code == 302
    flag.refresh_from_db()
    assert (flag.acknowledged_by, flag.acknowledgement) == (admin_user, "Diperiksa di admin")

    listing = admin_client.get(changelist + "?ditanggapi=sudah")
    assert list(listing.context["cl"].result_list) == [flag]
    assert "delete_selected" not in listing.content.decode()
    delete = reverse("admin:queueing_auditflag_delete", args=[flag.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditFlag.objects.filter(pk=flag.pk).exists()


def test_ticket_admin_shows_its_history_read_only(admin_client, flag):
    page = admin_client.get(reverse("admin:queueing_ticket_change", args=[flag.ticket_id]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "riwayat antrean" in html.lower()
    assert "Warga disabilitas, didahulukan" in html  # the call's note
    assert 'name="events-0-note"' not in html


def test_counter_admin_refuses_another_agencys_services(admin_client, desk):
    foreign = make_service(desk.office, prefix="Q")
    data = {
        "agency": desk.agency.pk,
        "number": "9",
        "name": "",
        "services": [desk.service.pk, foreign.pk],
        "is_active": "on",
    }
    response = admin_client.post(reverse("admin:catalog_counter_add"), data)
    assert response.status_code == 200
    assert "Loket hanya melayani layanan instansinya sendiri" in response.content.decode()
    data["services"] = [desk.service.pk]
    data["number"] = str(desk.counter.number)
    response = admin_client.post(reverse("admin:catalog_counter_add"), data)
    assert "Nomor loket ini sudah dipakai di kantor yang sama." in response.content.decode()
    data["number"] = "9"
    assert admin_client.post(reverse("admin:catalog_counter_add"), data).status_code == 302
    counter = Counter.objects.get(number=9)
    assert counter.office_id == desk.office.pk
    assert list(counter.services.all()) == [desk.service]


def test_user_admin_shows_memberships(admin_client, desk):
    page = admin_client.get(reverse("admin:auth_user_change", args=[desk.officer.pk]))
    assert page.status_code == 200
    assert "peran staf" in page.content.decode().lower()
    assert 'name="memberships-0-role"' in page.content.decode()
