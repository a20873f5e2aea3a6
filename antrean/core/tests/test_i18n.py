"""The English catalogue: complete, compiled, and actually shown when English is chosen.

Pages follow the language switch (Django's language cookie) and ignore the browser's
Accept-Language; the API follows Accept-Language. Indonesian is the source language, so a
missing translation would silently show Indonesian: these tests make it loud instead.
"""

import dataclasses
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from antrean.booking.services import booking_create
from antrean.core.errors import ErrorCode
from antrean.integrity.models import Channel
from antrean.integrity.services import ClientInfo
from antrean.testing.factories import (
    booking_request,
    make_agency,
    make_office,
    make_service,
    make_slot,
)

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
BOOKINGS = "/api/v1/bookings"

# Distinctive strings of the office page and the identity page, as (Indonesian, English).
OFFICE_TEXTS = [
    ("Pilih layanan", "Choose a service"),
    ("Biaya resmi", "Official fee"),
    ("Pilih tanggal", "Choose a date"),
]
IDENTITY_TEXTS = [
    ("Data diri", "Your details"),
    ("Nama lengkap", "Full name"),
    ("Lanjut: baca Pakta Integritas", "Next: read the Integrity Pact"),
]


@pytest.fixture(autouse=True)
def _back_to_default_language():
    # A request leaves its language active in the thread; later tests expect Indonesian.
    yield
    translation.deactivate()


# --- the catalogue -----------------------------------------------------------------------


def _unquote(literal: str) -> str:
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes[m.group(1)], literal.strip()[1:-1])


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgctxt/msgid/msgid_plural/msgstr[n] plus their flags.

    Obsolete (#~) entries are skipped: gettext ignores them too.
    """
    entries: list[dict] = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry: dict = {"flags": set(), "msgstr": {}}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {f.strip() for f in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif match := re.match(
                r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(.*)$", line
            ):
                name, index, literal = match.groups()
                key = ("msgstr", int(index or 0)) if name.startswith("msgstr") else name
                if isinstance(key, tuple):
                    entry["msgstr"][key[1]] = _unquote(literal)
                else:
                    entry[key] = _unquote(literal)
            elif line.startswith('"') and key is not None:
                if isinstance(key, tuple):
                    entry["msgstr"][key[1]] += _unquote(line)
                else:
                    entry[key] += _unquote(line)
        if "msgid" in entry:
            entries.append(entry)
    return entries


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def po_entries() -> list[dict]:
    return parse_po(CATALOGUE / "django.po")


def test_header_says_english_with_english_plurals(po_entries):
    header = po_entries[0]
    assert header["msgid"] == ""
    assert "fuzzy" not in header["flags"]  # a fuzzy header drops Plural-Forms from the .mo
    assert "Language: en\n" in header["msgstr"][0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header["msgstr"][0]


def test_every_entry_is_translated_and_none_is_fuzzy(po_entries):
    messages = po_entries[1:]
    assert len(messages) > 100  # the real catalogue, not an empty stub

    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    untranslated = [
        e["msgid"]
        for e in messages
        if not e["msgstr"] or any(not s.strip() for s in e["msgstr"].values())
    ]

    assert fuzzy == []
    assert untranslated == []


def test_translations_keep_their_placeholders_and_plural_forms(po_entries):
    wrong = []
    for entry in po_entries[1:]:
        if "msgid_plural" in entry:
            assert sorted(entry["msgstr"]) == [0, 1], entry["msgid"]
            pairs = [
                (entry["msgid"], entry["msgstr"][0]),
                (entry["msgid_plural"], entry["msgstr"][1]),
            ]
        else:
            pairs = [(entry["msgid"], entry["msgstr"][0])]
        wrong += [(src, dst) for src, dst in pairs if _placeholders(src) != _placeholders(dst)]

    assert wrong == []


def test_compiled_catalogue_matches_the_po(po_entries):
    # Django reads only the .mo: an edited .po that was not compiled changes nothing on screen.
    with (CATALOGUE / "django.mo").open("rb") as mo_file:
        compiled = gettext.GNUTranslations(mo_file)

    stale = []
    for entry in po_entries[1:]:
        msgid = entry["msgid"]
        if "msgctxt" in entry:
            msgid = f"{entry['msgctxt']}\x04{msgid}"
        if "msgid_plural" in entry:
            shown = [compiled.ngettext(msgid, entry["msgid_plural"], n) for n in (1, 2)]
            expected = [entry["msgstr"][0], entry["msgstr"][1]]
        else:
            shown, expected = compiled.gettext(msgid), entry["msgstr"][0]
        if shown != expected:
            stale.append(entry["msgid"])

    assert stale == []


def test_every_error_code_has_an_english_message():
    same = []
    for code in ErrorCode:
        with translation.override("id"):
            indonesian = code.message
        with translation.override("en"):
            english = code.message
        if not english or english == indonesian:
            same.append(code)

    assert same == []


# --- pages -------------------------------------------------------------------------------


@pytest.fixture
def slot(db):
    office = make_office(code="mpp-i18n", name="MPP Uji Bahasa")
    agency = make_agency(office, short_name="Disdukcapil", name="Dinas Kependudukan Uji")
    service = make_service(agency=agency, name="Perekaman KTP-el", fee=0, duration_minutes=20)
    return make_slot(service, capacity=1)


def _office_url(slot):
    return reverse("booking:office", kwargs={"office_code": slot.service.office.code})


def _identity_url(slot):
    return reverse(
        "booking:identity", kwargs={"office_code": slot.service.office.code, "slot_id": slot.pk}
    )


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _assert_shows(response, texts, *, language: str):
    body = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == language
    assert f'<html lang="{language}">' in body
    for indonesian, english in texts:
        shown, hidden = (english, indonesian) if language == "en" else (indonesian, english)
        assert shown in body
        assert hidden not in body


def test_office_page_in_english_with_the_language_cookie(client, slot):
    response = _english(client).get(_office_url(slot))

    _assert_shows(response, OFFICE_TEXTS, language="en")
    assert "Free" in response.content.decode()  # the fee filter too, not only templates


def test_identity_page_in_english_with_the_language_cookie(client, slot):
    response = _english(client).get(_identity_url(slot))

    _assert_shows(response, IDENTITY_TEXTS, language="en")
    body = response.content.decode()
    assert "Step 4 of 6" in body
    assert slot.date.strftime("%A") in body  # Django's own date names follow as well


def test_identity_errors_in_english_with_the_language_cookie(client, slot):
    response = _english(client).post(
        _identity_url(slot), {"name": "Ni Made Ayu", "nik": "123", "whatsapp": ""}
    )

    body = response.content.decode()
    assert response.status_code == 422
    assert "Please check your entries" in body
    assert "This NIK is not valid." in body
    assert "Enter your WhatsApp number." in body
    assert "NIK tidak sah" not in body


@pytest.mark.parametrize(
    ("url", "texts"), [(_office_url, OFFICE_TEXTS), (_identity_url, IDENTITY_TEXTS)]
)
def test_pages_stay_indonesian_whatever_the_browser_asks(client, slot, url, texts):
    response = client.get(url(slot), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    _assert_shows(response, texts, language="id")


def test_language_switch_sets_english_for_the_next_pages(client, slot):
    office_url = _office_url(slot)

    switched = client.post(reverse("set_language"), {"language": "en", "next": office_url})
    response = client.get(office_url)

    assert switched.status_code == 302
    assert switched["Location"] == office_url
    _assert_shows(response, OFFICE_TEXTS, language="en")


# --- API ---------------------------------------------------------------------------------


def _post(client, payload, **headers):
    return client.post(BOOKINGS, payload, content_type="application/json", **headers)


def _payload(slot, **overrides) -> dict:
    return dataclasses.asdict(booking_request(slot, **overrides))


@pytest.mark.parametrize(
    ("headers", "language", "message"),
    [
        ({"HTTP_ACCEPT_LANGUAGE": "en"}, "en", "This NIK is not valid."),
        ({}, "id", "NIK tidak sah."),
    ],
)
def test_api_invalid_nik_message_follows_accept_language(client, slot, headers, language, message):
    response = _post(client, _payload(slot, nik="1234"), **headers)

    assert response.status_code == 422
    assert response["Content-Language"] == language
    body = response.json()
    assert body["error"] == "invalid_nik"
    assert body["message"].startswith(message)


@pytest.mark.parametrize(
    ("headers", "language", "message"),
    [
        ({"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.8"}, "en", "This time slot is fully booked."),
        ({}, "id", "Kuota jadwal ini sudah penuh."),
    ],
)
def test_api_slot_full_message_follows_accept_language(client, slot, headers, language, message):
    booking_create(request=booking_request(slot), client=ClientInfo(channel=Channel.API))

    response = _post(client, _payload(slot), **headers)

    assert response.status_code == 409
    assert response["Content-Language"] == language
    body = response.json()
    assert body["error"] == "slot_full"
    assert body["message"].startswith(message)
