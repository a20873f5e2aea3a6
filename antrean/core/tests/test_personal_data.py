"""Personal data at rest: encryption with rotating keys, keyed look-up hashes, and the columns."""

import base64
import hashlib

import pytest
from cryptography.exceptions import InvalidTag
from django.db import connection

from antrean.booking.services import booking_create
from antrean.core import personal_data
from antrean.core.personal_data import (
    decrypt,
    encrypt,
    lookup_hash,
    mask_name,
    mask_nik,
    mask_phone,
)
from antrean.integrity.services import ClientInfo
from antrean.queueing.models import Ticket
from antrean.testing.factories import booking_request, make_slot

KEY_OLD = base64.b64encode(b"o" * 32).decode()
KEY_NEW = base64.b64encode(b"n" * 32).decode()


def _key_id(b64: str) -> str:
    return hashlib.sha256(base64.b64decode(b64)).hexdigest()[:8]


@pytest.fixture(autouse=True)
def _fresh_keys():
    personal_data.reset_key_cache()
    yield
    personal_data.reset_key_cache()


def use_keys(settings, data_keys=None, hash_key=None):
    if data_keys is not None:
        settings.ANTREAN_DATA_KEYS = data_keys
    if hash_key is not None:
        settings.ANTREAN_HASH_KEY = hash_key
    personal_data.reset_key_cache()


def test_roundtrip():
    for text in ["5103014101900001", "+6281234567890", "Ni Made Ayu", "ᬅᬓ᭄ᬱᬭ 王伟", "x"]:
        token = encrypt(text, purpose="nik")
        assert len(text) < 5 or text not in token
        assert token.startswith("enc1:")
        assert decrypt(token, purpose="nik") == text


def test_each_encryption_differs():
    tokens = {encrypt("5103014101900001", purpose="nik") for _ in range(20)}
    assert len(tokens) == 20  # a fresh nonce each time: equal NIKs are not equal ciphertexts


def test_wrong_purpose_fails():
    # A NIK ciphertext cannot be passed off as a phone or a name.
    token = encrypt("5103014101900001", purpose="nik")
    with pytest.raises(InvalidTag):
        decrypt(token, purpose="phone")


def test_tampering_fails():
    token = encrypt("5103014101900001", purpose="nik")
    prefix, key_id, payload = token.split(":", 2)
    blob = bytearray(base64.urlsafe_b64decode(payload))
    blob[-1] ^= 1
    forged = f"{prefix}:{key_id}:{base64.urlsafe_b64encode(bytes(blob)).decode()}"
    with pytest.raises(InvalidTag):
        decrypt(forged, purpose="nik")


def test_not_our_ciphertext_is_refused():
    with pytest.raises(ValueError):
        decrypt("plain:abc:def", purpose="nik")


def test_key_rotation(settings):
    use_keys(settings, data_keys=[KEY_OLD])
    old_token = encrypt("5103014101900001", purpose="nik")
    assert old_token.split(":")[1] == _key_id(KEY_OLD)

    # The new key goes first; the old one stays so that old rows still read.
    use_keys(settings, data_keys=[KEY_NEW, KEY_OLD])
    assert decrypt(old_token, purpose="nik") == "5103014101900001"
    new_token = encrypt("5103014101900001", purpose="nik")
    assert new_token.split(":")[1] == _key_id(KEY_NEW)

    # Once the old key is retired, only what was written with the new one reads.
    use_keys(settings, data_keys=[KEY_NEW])
    assert decrypt(new_token, purpose="nik") == "5103014101900001"
    with pytest.raises(ValueError, match="No data key"):
        decrypt(old_token, purpose="nik")


def test_bad_key_length_is_refused(settings):
    use_keys(settings, data_keys=[base64.b64encode(b"short").decode()])
    with pytest.raises(ValueError, match="32 bytes"):
        encrypt("x", purpose="nik")


def test_lookup_hash_is_stable_and_separates_purposes():
    a = lookup_hash("5103014101900001", purpose="nik")
    assert a == lookup_hash("5103014101900001", purpose="nik")
    assert len(a) == 64
    assert a != lookup_hash("5103014101900002", purpose="nik")
    assert a != lookup_hash("5103014101900001", purpose="phone")
    # Not a plain hash that anyone could recompute from a list of NIKs.
    assert a != hashlib.sha256(b"5103014101900001").hexdigest()
    assert a != hashlib.sha256(b"nik:5103014101900001").hexdigest()


def test_lookup_hash_is_keyed(settings):
    use_keys(settings, hash_key=base64.b64encode(b"a" * 32).decode())
    under_a = lookup_hash("5103014101900001", purpose="nik")
    use_keys(settings, hash_key=base64.b64encode(b"b" * 32).decode())
    under_b = lookup_hash("5103014101900001", purpose="nik")
    assert under_a != under_b
    use_keys(settings, hash_key=base64.b64encode(b"a" * 32).decode())
    assert lookup_hash("5103014101900001", purpose="nik") == under_a


def test_masks():
    assert mask_nik("5103014101900001") == "5103********0001"
    assert mask_phone("+6281234567890") == "+62812****7890"
    assert mask_name("Made Wirawan") == "M*** W******"


@pytest.mark.django_db
def test_columns_hold_no_plaintext():
    slot = make_slot()
    name, nik, phone = "Ni Made Ayu Lestari", "5103014101900001", "0812 3456 7890"
    result = booking_create(
        request=booking_request(slot, name=name, nik=nik, whatsapp=phone), client=ClientInfo()
    )
    table = Ticket._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT name, nik, phone, nik_hash, phone_hash FROM {table} WHERE id = %s",  # noqa: S608
            [result.ticket.pk],
        )
        raw = cursor.fetchone()
    stored = " ".join(str(value) for value in raw)
    for plain in [name, "Lestari", nik, "0141019000", "81234567890"]:
        assert plain not in stored
    raw_name, raw_nik, raw_phone, nik_hash, phone_hash = raw
    assert raw_name.startswith("enc1:") and raw_nik.startswith("enc1:")
    assert raw_phone.startswith("enc1:")
    assert nik_hash == lookup_hash(nik, purpose="nik")
    assert phone_hash == lookup_hash("+6281234567890", purpose="phone")

    # The ORM reads the plaintext back, normalised.
    ticket = Ticket.objects.get(pk=result.ticket.pk)
    assert (ticket.name, ticket.nik, ticket.phone) == (name, nik, "+6281234567890")
    assert ticket.masked_nik == "5103********0001"
    assert ticket.masked_phone == "+62812****7890"


@pytest.mark.django_db
def test_rows_written_before_a_rotation_still_read(settings):
    use_keys(settings, data_keys=[KEY_OLD])
    slot = make_slot()
    ticket = booking_create(
        request=booking_request(slot, nik="5103014101900001"), client=ClientInfo()
    ).ticket
    use_keys(settings, data_keys=[KEY_NEW, KEY_OLD])
    assert Ticket.objects.get(pk=ticket.pk).nik == "5103014101900001"


# --- files (certificate PDFs) ---------------------------------------------------------------


def test_bytes_roundtrip_and_header():
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 60
    sealed = personal_data.encrypt_bytes(pdf, purpose="certificate-pdf:1")
    assert personal_data.is_encrypted_bytes(sealed)
    assert not personal_data.is_encrypted_bytes(pdf)
    assert b"%PDF" not in sealed
    assert personal_data.encrypted_bytes_key_id(sealed) == personal_data.current_key_id()
    assert personal_data.decrypt_bytes(sealed, purpose="certificate-pdf:1") == pdf


def test_bytes_bound_to_their_purpose_and_unchanged():
    sealed = personal_data.encrypt_bytes(b"%PDF-1.7 isi", purpose="certificate-pdf:1")
    with pytest.raises(InvalidTag):
        personal_data.decrypt_bytes(sealed, purpose="certificate-pdf:2")
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(InvalidTag):
        personal_data.decrypt_bytes(tampered, purpose="certificate-pdf:1")
    with pytest.raises(ValueError):
        personal_data.decrypt_bytes(b"%PDF-1.7 plain", purpose="certificate-pdf:1")


def test_bytes_sealed_under_an_old_key_still_open_after_rotation(settings):
    use_keys(settings, data_keys=[KEY_OLD])
    sealed = personal_data.encrypt_bytes(b"%PDF-1.7 lama", purpose="p")
    assert personal_data.encrypted_bytes_key_id(sealed) == _key_id(KEY_OLD)
    use_keys(settings, data_keys=[KEY_NEW, KEY_OLD])
    assert personal_data.current_key_id() == _key_id(KEY_NEW)
    assert personal_data.decrypt_bytes(sealed, purpose="p") == b"%PDF-1.7 lama"
    use_keys(settings, data_keys=[KEY_NEW])
    with pytest.raises(ValueError, match="No data key"):
        personal_data.decrypt_bytes(sealed, purpose="p")
