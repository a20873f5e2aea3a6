"""Proof of the WhatsApp number before a booking is confirmed (issue 14, part 1):
antrean.booking.holds, through the services, the webhook, the API and the pages."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from antrean.booking.holds import (
    HoldResult,
    booking_start,
    hold_get,
    hold_otp_check,
    hold_otp_send,
    hold_prove_by_message,
    holds_expire_due,
    number_proof_required,
    proof_code_in,
    proof_link,
    proof_text,
)
from antrean.booking.models import BookingHold, HoldStatus, NikDayCount, PhoneDayCount
from antrean.booking.services import BookingResult, booking_create, booking_get
from antrean.catalog.models import Slot
from antrean.core.errors import DomainError, ErrorCode
from antrean.core.personal_data import lookup_hash
from antrean.integrity.models import Channel, LedgerHead, PactSignature
from antrean.integrity.services import ClientInfo
from antrean.notifications.models import InboundMessage, Kind, Message
from antrean.queueing.models import Ticket
from antrean.testing.factories import (
    booking_request,
    make_nik,
    make_office,
    make_phone,
    make_service,
    make_slot,
)

pytestmark = pytest.mark.django_db

WEB = ClientInfo(channel=Channel.WEB, ip="198.51.100.7", user_agent="Mozilla/5.0 (Android 14)")
API = ClientInfo(channel=Channel.API, ip="198.51.100.8", user_agent="curl/8")
KIOSK = ClientInfo(channel=Channel.KIOSK, ip="10.0.0.5", user_agent="kiosk")


@pytest.fixture
def office():
    return make_office(number_proof_web="on", number_proof_api="on")


@pytest.fixture
def slot(office):
    return make_slot(make_service(office, prefix="P"), capacity=3)


def snapshot():
    """Everything a hold, a confirmation or an expiry may change."""
    return {
        "holds": sorted(BookingHold.objects.values_list("pk", "status", "otp_failures")),
        "tickets": sorted(Ticket.objects.values_list("pk", "status")),
        "signatures": PactSignature.objects.count(),
        "ledger": sorted(LedgerHead.objects.values_list("office_id", "seq")),
        "messages": sorted(Message.objects.values_list("pk", "kind")),
        "slots": sorted(Slot.objects.values_list("pk", "booked")),
        "phone_days": sorted(PhoneDayCount.objects.values_list("phone_hash", "active")),
        "nik_days": sorted(NikDayCount.objects.values_list("nik_hash", "active")),
    }


def ledger_length() -> int:
    """Entries appended to every office's chain (a signature is an entry)."""
    return sum(LedgerHead.objects.values_list("seq", flat=True))


def hold_for(slot, client=WEB, **overrides) -> HoldResult:
    result = booking_start(request=booking_request(slot, **overrides), client=client)
    assert isinstance(result, HoldResult), result
    return result


def digits(phone: str) -> str:
    """The sender as WhatsApp writes it: 62…, no plus."""
    return "62" + phone[1:]


def otp_sent_to(hold: BookingHold) -> str:
    """The code in the newest one-time-code message (the console gateway keeps it)."""
    message = Message.objects.filter(kind=Kind.NUMBER_CODE).latest("pk")
    assert message.recipient_hash == hold.phone_hash
    return message.params[0]


# --- When proof is asked ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "gateway", "web", "kiosk"),
    [
        ("auto", "cloud", True, False),
        ("auto", "console", False, False),
        ("on", "console", True, False),
        ("off", "cloud", False, False),
    ],
)
def test_proof_follows_the_office_setting_per_channel(settings, setting, gateway, web, kiosk):
    settings.WHATSAPP_GATEWAY = gateway
    office = make_office(number_proof_web=setting, number_proof_api="off")
    assert number_proof_required(office=office, channel=Channel.WEB) is web
    assert number_proof_required(office=office, channel=Channel.API) is False
    # Walk-ins, kiosks and counters never need proof.
    for channel in (Channel.KIOSK, Channel.COUNTER):
        assert number_proof_required(office=office, channel=channel) is kiosk


def test_the_model_default_is_auto_on_with_the_cloud_gateway(settings):
    from antrean.tenancy.models import Office

    field = Office._meta.get_field("number_proof_web")
    assert field.default == "auto" and Office._meta.get_field("number_proof_api").default == "auto"
    settings.WHATSAPP_GATEWAY = "cloud"
    office = make_office(number_proof_web="auto")
    assert number_proof_required(office=office, channel=Channel.WEB)


def test_without_proof_a_booking_is_made_at_once(slot, office):
    office.number_proof_web = "off"
    office.save()
    result = booking_start(request=booking_request(slot), client=WEB)
    assert isinstance(result, BookingResult)
    assert not BookingHold.objects.exists()


def test_a_kiosk_books_at_once_where_online_needs_proof(slot):
    result = booking_start(request=booking_request(slot), client=KIOSK)
    assert isinstance(result, BookingResult)


def test_booking_create_itself_refuses_a_booking_that_needs_proof(slot):
    before = snapshot()
    with pytest.raises(DomainError) as caught:
        booking_create(request=booking_request(slot), client=WEB)
    assert caught.value.code == ErrorCode.NUMBER_PROOF_REQUIRED
    assert snapshot() == before


# --- A hold -------------------------------------------------------------------------------------


def test_a_hold_takes_a_place_and_writes_nothing_else(slot):
    request = booking_request(slot, whatsapp_consent=True)
    result = booking_start(request=request, client=WEB)
    hold = result.hold
    assert hold.status == HoldStatus.HELD
    assert Slot.objects.get(pk=slot.pk).booked == 1
    assert PhoneDayCount.objects.get().active == 1
    assert NikDayCount.objects.get().active == 1
    # No number, no signature, no ledger entry, no certificate, no message.
    assert not Ticket.objects.exists()
    assert PactSignature.objects.count() == 0
    assert ledger_length() == 0
    assert not Message.objects.exists()
    # Ten minutes by default; the identity is encrypted at rest.
    assert dt.timedelta(minutes=9) < hold.expires_at - timezone.now() <= dt.timedelta(minutes=10)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nik, phone, name FROM booking_bookinghold")
        raw = " ".join(str(v) for v in cursor.fetchone())
    assert request.nik not in raw and request.whatsapp[1:] not in raw and "Ayu" not in raw
    assert hold.nik_hash == lookup_hash(request.nik, purpose="nik")


def test_holds_count_against_the_slot_and_never_exceed_it(settings, slot):
    settings.ANTREAN_HOLD_SHARE_MAX = 1.0
    for _ in range(3):
        hold_for(slot)
    before = snapshot()
    with pytest.raises(DomainError) as caught:
        booking_start(request=booking_request(slot), client=WEB)
    assert caught.value.code == ErrorCode.SLOT_FULL
    assert snapshot() == before


def test_unproven_holds_may_block_only_a_share_of_a_slot(slot, office):
    """Numbers nobody proves (a farm's invented ones) hold at most half the places."""
    slot.capacity = 4
    slot.save()
    holds = [hold_for(slot).hold for _ in range(2)]
    before = snapshot()
    with pytest.raises(DomainError) as caught:
        booking_start(request=booking_request(slot), client=WEB)
    assert caught.value.code == ErrorCode.SLOT_HELD and caught.value.retry_after
    assert snapshot() == before
    # The other places are still there for a walk-in at the kiosk …
    booking_start(request=booking_request(slot), client=KIOSK)
    # … and a proven hold no longer counts as held.
    hold_otp_send(hold=holds[0])
    hold_otp_check(hold=holds[0], code=otp_sent_to(holds[0]))
    assert Slot.objects.values_list("booked", "held").get(pk=slot.pk) == (3, 1)
    hold_for(slot)
    assert Slot.objects.values_list("booked", "held").get(pk=slot.pk) == (4, 2)
    holds_expire_due(now=timezone.now() + dt.timedelta(hours=1))
    assert Slot.objects.values_list("booked", "held").get(pk=slot.pk) == (2, 0)


def test_a_one_place_slot_can_still_be_held(slot):
    slot.capacity = 1
    slot.save()
    hold_for(slot)
    assert Slot.objects.values_list("booked", "held").get(pk=slot.pk) == (1, 1)


def test_a_second_hold_of_the_same_nik_is_a_duplicate(slot):
    nik = make_nik()
    hold_for(slot, nik=nik)
    before = snapshot()
    with pytest.raises(DomainError) as caught:
        booking_start(request=booking_request(slot, nik=nik), client=WEB)
    assert caught.value.code == ErrorCode.DUPLICATE_BOOKING
    assert snapshot() == before


@pytest.mark.parametrize(
    ("override", "code"),
    [
        ({"nik": "123"}, ErrorCode.INVALID_NIK),
        ({"whatsapp": "021555"}, ErrorCode.INVALID_PHONE),
        ({"pact_agreed": False}, ErrorCode.PACT_REQUIRED),
    ],
)
def test_bad_input_is_refused_before_any_hold(slot, override, code):
    before = snapshot()
    with pytest.raises(DomainError) as caught:
        booking_start(request=booking_request(slot, **override), client=WEB)
    assert caught.value.code == code
    assert snapshot() == before


def test_per_number_limits_count_holds_across_offices(settings, slot):
    settings.ANTREAN_MAX_BOOKINGS_PER_PHONE_PER_DAY = 1
    phone = make_phone()
    hold_for(slot, whatsapp=phone)
    elsewhere = make_slot(
        make_service(make_office(number_proof_web="on"), prefix="Q"), date=slot.date
    )
    before = snapshot()
    with pytest.raises(DomainError) as caught:
        booking_start(request=booking_request(elsewhere, whatsapp=phone), client=WEB)
    assert caught.value.code == ErrorCode.TOO_MANY_BOOKINGS
    assert snapshot() == before


# --- Expiry -------------------------------------------------------------------------------------


def test_an_expired_hold_gives_everything_back_and_leaves_nothing(slot):
    hold = hold_for(slot).hold
    assert holds_expire_due(now=hold.expires_at - dt.timedelta(seconds=1)) == 0
    assert holds_expire_due(now=hold.expires_at) == 1
    hold.refresh_from_db()
    assert hold.status == HoldStatus.EXPIRED
    assert (hold.name, hold.nik, hold.phone) == ("", "", "")
    assert Slot.objects.get(pk=slot.pk).booked == 0
    assert PhoneDayCount.objects.get().active == 0
    assert NikDayCount.objects.get().active == 0
    assert not Ticket.objects.exists()
    assert ledger_length() == 0
    # Idempotent.
    assert holds_expire_due(now=hold.expires_at + dt.timedelta(hours=1)) == 0
    assert Slot.objects.get(pk=slot.pk).booked == 0


def test_the_place_of_an_expired_hold_can_be_booked_again(slot):
    holds = [hold_for(slot).hold for _ in range(2)]
    holds_expire_due(now=holds[-1].expires_at)
    assert Slot.objects.values_list("booked", "held").get(pk=slot.pk) == (0, 0)
    assert Slot.objects.get(pk=slot.pk).booked == 0
    hold_for(slot)


# --- Proof by a message from the citizen --------------------------------------------------------


def test_the_prefilled_message_and_link(settings, slot):
    settings.WHATSAPP_DISPLAY_NUMBER = "+62 811-3800-1234"
    hold = hold_for(slot).hold
    text = proof_text(hold)
    assert text == f"ANTREAN {hold.code[:4]}-{hold.code[4:]}"
    assert (
        proof_link(hold)
        == f"https://wa.me/6281138001234?text=ANTREAN%20{hold.code[:4]}-{hold.code[4:]}"
    )
    # Retyped by hand: any case, with or without the dash, among other words.
    assert proof_code_in(f"halo, antrean {hold.code.lower()} terima kasih") == hold.code
    assert proof_code_in("ANTREAN") is None and proof_code_in("LAPOR petugas") is None
    settings.WHATSAPP_DISPLAY_NUMBER = ""
    assert proof_link(hold) is None


def test_a_message_from_the_number_confirms_the_hold(slot):
    phone = make_phone()
    result = hold_for(slot, whatsapp=phone, whatsapp_consent=True)
    hold = result.hold
    assert hold_prove_by_message(sender_digits=digits(phone), text=proof_text(hold))
    hold.refresh_from_db()
    assert (hold.status, hold.proven_by) == (HoldStatus.CONFIRMED, "message")
    assert (hold.name, hold.nik, hold.phone, hold.otp_hash) == ("", "", "", "")
    ticket = hold.ticket
    # The booking a booking made at once would be: number, signature, ledger, message.
    assert ticket.number.startswith("P-")
    signature = PactSignature.objects.get(ticket=ticket)
    assert signature.pact_sha256 == hold.rendering.sha256
    assert ledger_length() == 1
    assert Message.objects.filter(ticket=ticket, kind=Kind.BOOKING_CONFIRMED).exists()
    # Its place was taken by the hold: not twice.
    assert Slot.objects.get(pk=slot.pk).booked == 1
    assert PhoneDayCount.objects.get().active == 1
    # The hold's token is the booking's.
    assert booking_get(code=ticket.code, token=result.token) == ticket
    # A second message changes nothing.
    before = snapshot()
    assert hold_prove_by_message(sender_digits=digits(phone), text=proof_text(hold))
    assert snapshot() == before


def test_a_message_from_another_number_proves_nothing(slot):
    hold = hold_for(slot, whatsapp=make_phone()).hold
    before = snapshot()
    assert hold_prove_by_message(sender_digits=digits(make_phone()), text=proof_text(hold))
    assert snapshot() == before
    hold.refresh_from_db()
    assert hold.status == HoldStatus.HELD


def test_a_message_too_late_confirms_nothing_and_releases_the_place(slot):
    phone = make_phone()
    hold = hold_for(slot, whatsapp=phone).hold
    later = hold.expires_at + dt.timedelta(seconds=1)
    assert hold_prove_by_message(sender_digits=digits(phone), text=proof_text(hold), now=later)
    hold.refresh_from_db()
    assert hold.status == HoldStatus.EXPIRED
    assert not Ticket.objects.exists() and ledger_length() == 0
    assert Slot.objects.get(pk=slot.pk).booked == 0


def test_other_messages_are_not_proofs(slot):
    assert not hold_prove_by_message(sender_digits="6281234567890", text="Selamat pagi")
    # A well-formed code that names no hold is a proof message that proves nothing.
    assert hold_prove_by_message(sender_digits="6281234567890", text="ANTREAN ZZZZ-ZZZZ")


def test_a_ticket_of_the_same_nik_made_meanwhile_wins(slot):
    nik, phone = make_nik(), make_phone()
    hold = hold_for(slot, nik=nik, whatsapp=phone).hold
    # The citizen took a number at the kiosk before proving the number.
    booking_create(request=booking_request(slot, nik=nik), client=KIOSK)
    assert hold_prove_by_message(sender_digits=digits(phone), text=proof_text(hold))
    hold.refresh_from_db()
    assert hold.status == HoldStatus.EXPIRED
    assert Ticket.objects.count() == 1
    assert Slot.objects.get(pk=slot.pk).booked == 1  # the kiosk's; the hold's came back


# --- Proof by a one-time code -------------------------------------------------------------------


def test_a_one_time_code_confirms_the_hold(slot):
    result = hold_for(slot)
    hold = result.hold
    expires = hold_otp_send(hold=hold)
    assert expires <= hold.expires_at
    code = otp_sent_to(hold)
    assert re.fullmatch(r"\d{6}", code)
    hold.refresh_from_db()
    assert hold.otp_hash and code not in hold.otp_hash  # only a keyed hash is kept
    ticket = hold_otp_check(hold=hold, code=f"{code[:3]} {code[3:]}")
    hold.refresh_from_db()
    assert (hold.status, hold.proven_by, hold.ticket) == (HoldStatus.CONFIRMED, "otp", ticket)
    assert booking_get(code=ticket.code, token=result.token) == ticket


def test_wrong_codes_are_counted_then_the_code_stops_working(settings, slot):
    settings.ANTREAN_OTP_MAX_FAILURES = 3
    hold = hold_for(slot).hold
    hold_otp_send(hold=hold)
    code = otp_sent_to(hold)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(3):
        with pytest.raises(DomainError) as caught:
            hold_otp_check(hold=hold, code=wrong)
        assert caught.value.code == ErrorCode.OTP_INVALID
    hold.refresh_from_db()
    assert hold.otp_failures == 3  # committed, though refused
    with pytest.raises(DomainError) as caught:
        hold_otp_check(hold=hold, code=code)  # even the right one, now
    assert caught.value.code == ErrorCode.OTP_LOCKED
    assert not Ticket.objects.exists()


def test_resends_are_spaced_and_counted(settings, slot):
    settings.ANTREAN_OTP_MAX_SENDS = 2
    hold = hold_for(slot).hold
    now = timezone.now()
    hold_otp_send(hold=hold, now=now)
    first = otp_sent_to(hold)
    with pytest.raises(DomainError) as caught:
        hold_otp_send(hold=hold, now=now + dt.timedelta(seconds=30))
    assert caught.value.code == ErrorCode.OTP_TOO_SOON and caught.value.retry_after == 30
    hold_otp_send(hold=hold, now=now + dt.timedelta(seconds=61))
    second = otp_sent_to(hold)
    with pytest.raises(DomainError) as caught:
        hold_otp_send(hold=hold, now=now + dt.timedelta(seconds=200))
    assert caught.value.code == ErrorCode.OTP_SEND_LIMIT
    assert Message.objects.filter(kind=Kind.NUMBER_CODE).count() == 2
    if first != second:  # a new code replaces the old one
        with pytest.raises(DomainError) as caught:
            hold_otp_check(hold=hold, code=first, now=now + dt.timedelta(seconds=70))
        assert caught.value.code == ErrorCode.OTP_INVALID
    hold_otp_check(hold=hold, code=second, now=now + dt.timedelta(seconds=70))


def test_a_code_expires_and_an_expired_hold_takes_no_code(slot):
    hold = hold_for(slot).hold
    now = timezone.now()
    hold_otp_send(hold=hold, now=now)
    code = otp_sent_to(hold)
    with pytest.raises(DomainError) as caught:
        hold_otp_check(hold=hold, code=code, now=now + dt.timedelta(minutes=5, seconds=1))
    assert caught.value.code == ErrorCode.OTP_EXPIRED
    with pytest.raises(DomainError) as caught:
        hold_otp_send(hold=hold, now=hold.expires_at)
    assert caught.value.code == ErrorCode.HOLD_EXPIRED
    hold.refresh_from_db()
    assert hold.status == HoldStatus.EXPIRED and Slot.objects.get(pk=slot.pk).booked == 0


def test_a_code_is_never_logged(slot, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    hold = hold_for(slot).hold
    hold_otp_send(hold=hold)
    code = otp_sent_to(hold)
    hold_otp_check(hold=hold, code=code)
    assert code not in caplog.text


# --- Through the API ----------------------------------------------------------------------------


def api_payload(slot, **overrides):
    request = booking_request(slot, **overrides)
    return {
        "slot_id": request.slot_id,
        "name": request.name,
        "nik": request.nik,
        "whatsapp": request.whatsapp,
        "pact_version": request.pact_version,
        "pact_sha256": request.pact_sha256,
        "pact_agreed": True,
        "whatsapp_consent": True,
    }


def test_the_api_holds_then_confirms_with_a_code(slot):
    client = Client()
    response = client.post("/api/v1/bookings", api_payload(slot), content_type="application/json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "held" and body["booking"] is None
    assert body["proof"]["text"] == f"ANTREAN {body['hold_code'][:4]}-{body['hold_code'][4:]}"
    token, code = body["token"], body["hold_code"]
    headers = {"HTTP_X_BOOKING_TOKEN": token}
    url = f"/api/v1/holds/{code}"
    assert client.get(url, **headers).json()["status"] == "held"
    assert client.get(url, HTTP_X_BOOKING_TOKEN="salah").status_code == 403
    sent = client.post(f"{url}/otp", **headers)
    assert sent.status_code == 202 and sent.json()["otp_sends_left"] == 2
    again = client.post(f"{url}/otp", **headers)
    assert again.status_code == 429 and again.json()["error"] == "otp_too_soon"
    assert int(again["Retry-After"]) > 0
    hold = BookingHold.objects.get(code=code)
    otp = otp_sent_to(hold)
    wrong = client.post(
        f"{url}/confirm", {"otp": "000000" if otp != "000000" else "111111"},
        content_type="application/json", **headers,
    )  # fmt: skip
    assert wrong.status_code == 422 and wrong.json()["error"] == "otp_invalid"
    confirmed = client.post(
        f"{url}/confirm", {"otp": otp}, content_type="application/json", **headers
    )
    assert confirmed.status_code == 201, confirmed.content
    booking = confirmed.json()
    assert booking["number"].startswith("P-") and booking["pact"]["version"] >= 1
    read = client.get(f"/api/v1/bookings/{booking['code']}", **headers)
    assert read.status_code == 200
    state = client.get(url, **headers).json()
    assert state["status"] == "confirmed" and state["booking"]["code"] == booking["code"]


def test_the_api_says_an_expired_hold(slot):
    client = Client()
    body = client.post(
        "/api/v1/bookings", api_payload(slot), content_type="application/json"
    ).json()
    BookingHold.objects.filter(code=body["hold_code"]).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    headers = {"HTTP_X_BOOKING_TOKEN": body["token"]}
    assert client.get(f"/api/v1/holds/{body['hold_code']}", **headers).json()["status"] == "expired"
    response = client.post(f"/api/v1/holds/{body['hold_code']}/otp", **headers)
    assert response.status_code == 410 and response.json()["error"] == "hold_expired"
    assert Slot.objects.get(pk=slot.pk).booked == 0


# --- The console gateway's stand-in phone -------------------------------------------------------


def test_the_console_inbox_plays_the_citizen(settings, slot, office):
    from antrean.testing.factories import make_agency, make_officer
    from antrean.testing.signin import sign_in

    settings.WHATSAPP_GATEWAY = "console"
    phone = make_phone()
    hold = hold_for(slot, whatsapp=phone).hold
    admin = make_officer(make_agency(office), role="office_admin")
    client = sign_in(Client(), admin)
    page = client.get("/staf/kotak-pesan/")
    assert "Kirim pesan sebagai warga" in page.content.decode()
    response = client.post("/staf/kotak-pesan/balas/", {"nomor": phone, "teks": proof_text(hold)})
    assert response.status_code == 200
    assert "konfirmasi nomor" in response.content.decode()
    hold.refresh_from_db()
    assert hold.status == HoldStatus.CONFIRMED
    # Other text is kept as an inbound message, as the webhook would.
    client.post("/staf/kotak-pesan/balas/", {"nomor": phone, "teks": "Terima kasih"})
    assert InboundMessage.objects.count() == 1


def test_the_stand_in_phone_is_refused_with_a_real_gateway_and_to_citizens(settings, slot, office):
    from antrean.testing.factories import make_agency, make_officer
    from antrean.testing.signin import sign_in

    phone = make_phone()
    hold = hold_for(slot, whatsapp=phone).hold
    before = snapshot()
    anonymous = Client().post(
        "/staf/kotak-pesan/balas/", {"nomor": phone, "teks": proof_text(hold)}
    )
    assert anonymous.status_code in (302, 403)
    settings.WHATSAPP_GATEWAY = "cloud"
    client = sign_in(Client(), make_officer(make_agency(office), role="office_admin"))
    response = client.post("/staf/kotak-pesan/balas/", {"nomor": phone, "teks": proof_text(hold)})
    assert response.status_code == 403
    assert snapshot() == before


# --- The citizen's pages ------------------------------------------------------------------------


def test_the_pages_hold_then_follow_the_proof(settings, slot, office):
    settings.WHATSAPP_DISPLAY_NUMBER = "6281138001234"
    client = Client()
    phone = make_phone()
    identity = f"/kantor/{office.code}/jadwal/{slot.pk}/data-diri/"
    client.post(
        identity,
        {"name": "Ni Made Ayu", "nik": make_nik(), "whatsapp": phone, "whatsapp_consent": "1"},
    )
    request = booking_request(slot)
    response = client.post(
        f"/kantor/{office.code}/jadwal/{slot.pk}/pakta/",
        {
            "pact_version": request.pact_version,
            "pact_sha256": request.pact_sha256,
            "pact_agreed": "1",
        },
    )
    hold = BookingHold.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(
        f"/antrean/tahan/{hold.code}/"
    )
    page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert proof_text(hold) in text and "https://wa.me/6281138001234?text=ANTREAN%20" in text
    assert phone not in text and phone[1:] not in text  # masked
    assert client.get(response["Location"] + "?format=json").json() == {"status": "held"}
    # Another browser has no access to it.
    assert Client().get(response["Location"]).status_code == 403
    # The code way, wrong then right.
    client.post(response["Location"], {"action": "kirim-kode"})
    wrong = client.post(response["Location"], {"action": "konfirmasi", "otp": "12"})
    assert wrong.status_code == 422
    code = otp_sent_to(hold)
    done = client.post(response["Location"], {"action": "konfirmasi", "otp": code})
    ticket = Ticket.objects.get()
    assert done.status_code == 302 and done["Location"].endswith(f"/antrean/{ticket.code}/")
    booked = client.get(done["Location"]).content.decode()
    assert ticket.number in booked and "?t=" in booked  # the private link, shown once


def test_the_page_of_an_expired_hold_says_so(slot, office):
    client = Client()
    client.post(
        f"/kantor/{office.code}/jadwal/{slot.pk}/data-diri/",
        {"name": "Ni Made Ayu", "nik": make_nik(), "whatsapp": make_phone()},
    )
    request = booking_request(slot)
    response = client.post(
        f"/kantor/{office.code}/jadwal/{slot.pk}/pakta/",
        {
            "pact_version": request.pact_version,
            "pact_sha256": request.pact_sha256,
            "pact_agreed": "1",
        },
    )
    BookingHold.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    page = client.get(response["Location"])
    assert page.status_code == 410
    assert "Waktu habis" in page.content.decode()
    holds_expire_due()  # the worker's sweep
    assert Slot.objects.get(pk=slot.pk).booked == 0


def test_hold_get_checks_the_token(slot):
    result = hold_for(slot)
    assert hold_get(code=result.hold.code, token=result.token) == result.hold
    with pytest.raises(DomainError) as caught:
        hold_get(code=result.hold.code, token="x")
    assert caught.value.code == ErrorCode.BAD_TOKEN
