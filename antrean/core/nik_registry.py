"""Is this NIK a real person's, with this name? Asked of the population registry.

`nik_verify(nik=…, name=…)` answers with a `Verdict`:
- `SKIPPED`: no registry is configured (`ANTREAN_NIK_VERIFIER=none`, the default): the NIK
  passed the format rules (antrean.core.nik) and that is all anyone knows;
- `MATCH`: the registry knows the NIK and the name matches it;
- `NO_MATCH`: the registry does not know the NIK, or knows it under another name;
- `UNAVAILABLE`: the registry did not answer in time, answered with an error, or is being
  left alone after repeated failures (the circuit breaker below). The office's setting then
  decides: refuse the booking, or take it marked "unverified" for a KTP check at check-in
  (antrean.tenancy.models.Office.nik_registry_down).

`dukcapil` is the population office's data-access service for institutions (Hak Akses Data
Kependudukan, under a cooperation agreement, PKS): a JSON POST of the institution's user id,
password and registered address with the elements to verify, answered per element with
"Sesuai" or "Tidak Sesuai" (the name with a similarity score). The endpoint, credentials
and threshold come from the environment (docs/nik-verification.md); the shape follows the
agreement's documentation as published by institutions that use it, and
antrean.testing.dukcapil_api answers the same way for the tests.

Personal data: the NIK and the name go to the registry and nowhere else. Nothing here logs
them: log lines say what happened ("timeout", "HTTP 503"), never for whom.

The circuit breaker is shared by every process through the cache (Redis in production):
after `ANTREAN_DUKCAPIL_BREAKER_FAILURES` failures in a row it opens for
`ANTREAN_DUKCAPIL_BREAKER_SECONDS`, during which no request is sent (the answer is
UNAVAILABLE at once, so a registry outage does not add its timeout to every booking); then
one request is let through, and its success closes the breaker.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from enum import StrEnum

import httpx
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

_FAILURES_KEY = "nik-registry:failures"
_OPEN_UNTIL_KEY = "nik-registry:open-until"
_PROBE_KEY = "nik-registry:probe"


class Verdict(StrEnum):
    SKIPPED = "skipped"
    MATCH = "match"
    NO_MATCH = "no_match"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Verification:
    verdict: Verdict
    reason: str = ""  # for logs and support: "timeout", "http_503", "nik_unknown", …


class RegistryError(Exception):
    """The registry could not give an answer (as opposed to answering "no")."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def nik_verify(*, nik: str, name: str) -> Verification:
    """Ask the configured registry (see the module's docstring). `nik` is already clean (16
    digits), `name` as the citizen typed it (cleaned by antrean.core.identity)."""
    backend = settings.ANTREAN_NIK_VERIFIER
    if backend == "none":
        return Verification(Verdict.SKIPPED)
    if backend != "dukcapil":
        raise ValueError(f"Unknown ANTREAN_NIK_VERIFIER: {backend!r}")
    if not _breaker_allows():
        return Verification(Verdict.UNAVAILABLE, "breaker_open")
    try:
        matched, reason = _dukcapil_ask(nik=nik, name=name)
    except RegistryError as failure:
        _breaker_failure()
        logger.warning("NIK registry unavailable: %s", failure.reason)
        return Verification(Verdict.UNAVAILABLE, failure.reason)
    _breaker_success()
    return Verification(Verdict.MATCH if matched else Verdict.NO_MATCH, reason)


# --- Dukcapil ---------------------------------------------------------------------------------


def _dukcapil_ask(*, nik: str, name: str) -> tuple[bool, str]:
    body = {
        "USER_ID": settings.ANTREAN_DUKCAPIL_USER_ID,
        "PASSWORD": settings.ANTREAN_DUKCAPIL_PASSWORD,
        "IP_USER": settings.ANTREAN_DUKCAPIL_IP_USER,
        "TRESHOLD": str(settings.ANTREAN_DUKCAPIL_THRESHOLD),  # (sic: the service's spelling)
        "NIK": nik,
        "NAMA_LGKP": name,
    }
    try:
        response = httpx.post(
            settings.ANTREAN_DUKCAPIL_URL,
            json=body,
            timeout=httpx.Timeout(settings.ANTREAN_DUKCAPIL_TIMEOUT),
        )
    except httpx.TimeoutException as exc:
        raise RegistryError("timeout") from exc
    except httpx.HTTPError as exc:
        raise RegistryError("network") from exc
    if response.status_code != 200:
        raise RegistryError(f"http_{response.status_code}")
    try:
        content = response.json()["content"]
        element = content[0]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise RegistryError("malformed") from exc
    if not isinstance(element, dict):
        raise RegistryError("malformed")
    if "RESPON" in element:
        # A message instead of a verdict: the NIK is not in the registry ("Data Tidak
        # Ditemukan"), or the request was refused ("User tidak ditemukan", quota, address):
        # only the former is an answer. Refusing citizens for our own bad credentials would
        # be worse than not verifying.
        message = " ".join(str(element["RESPON"]).lower().split())
        if message.startswith("data tidak ditemukan") or "nik tidak terdaftar" in message:
            return False, "nik_unknown"
        raise RegistryError("refused")
    nik_verdict = str(element.get("NIK", "")).strip().lower()
    name_verdict = str(element.get("NAMA_LGKP", "")).strip().lower()
    if not nik_verdict or not name_verdict:
        raise RegistryError("malformed")
    if not nik_verdict.startswith("sesuai"):
        return False, "nik_unknown"
    if not name_verdict.startswith("sesuai"):
        return False, "name_mismatch"
    return True, "match"


# --- Circuit breaker --------------------------------------------------------------------------


def _breaker_allows() -> bool:
    open_until = cache.get(_OPEN_UNTIL_KEY)
    if open_until is None:
        return True
    if time.time() < open_until:
        return False
    # Half-open: one process, one request, tries; the others keep answering UNAVAILABLE.
    return cache.add(_PROBE_KEY, 1, timeout=settings.ANTREAN_DUKCAPIL_TIMEOUT + 5)


def _breaker_failure() -> None:
    cache.add(_FAILURES_KEY, 0, timeout=None)
    try:
        failures = cache.incr(_FAILURES_KEY)
    except ValueError:  # expired between add and incr
        failures = 1
    cache.delete(_PROBE_KEY)
    if failures >= settings.ANTREAN_DUKCAPIL_BREAKER_FAILURES:
        cache.set(
            _OPEN_UNTIL_KEY, time.time() + settings.ANTREAN_DUKCAPIL_BREAKER_SECONDS, timeout=None
        )
        logger.warning(
            "NIK registry: %d failures in a row, not asked for %d s",
            failures,
            settings.ANTREAN_DUKCAPIL_BREAKER_SECONDS,
        )


def _breaker_success() -> None:
    cache.delete_many([_FAILURES_KEY, _OPEN_UNTIL_KEY, _PROBE_KEY])


def breaker_reset() -> None:
    """Close the breaker and forget the failures (tests; an operator after a fix)."""
    _breaker_success()
