"""Response headers that limit what a page may do (see docs/security-notes/headers.md).

The Content-Security-Policy itself is in settings (django-csp); this module holds the
Permissions-Policy and what a view says when it needs more than the default.
"""

import functools

# Browser features no page of Antrean uses: each is switched off for every page and every
# frame, so an injected script or a framed page cannot use them either. Only features Chromium
# knows are listed (an unknown one is a console warning on every page). Not listed: autoplay (a
# TV board may be set up to speak without a click) and publickey-credentials-* (staff security
# keys).
DENIED_FEATURES = (
    "accelerometer",
    "browsing-topics",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "hid",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "serial",
    "usb",
)


def permissions_policy(allowed: frozenset[str] = frozenset()) -> str:
    """The Permissions-Policy header: every feature off, except `allowed` for this origin."""
    return ", ".join(
        f"{feature}=(self)" if feature in allowed else f"{feature}=()"
        for feature in DENIED_FEATURES
    )


def permissions_allow(*features: str):
    """View decorator: this page may use `features` from its own origin (e.g. the kiosk's
    check-in page opens the camera to read a booking's QR code)."""
    unknown = set(features) - set(DENIED_FEATURES)
    if unknown:
        raise ValueError(f"not in DENIED_FEATURES: {sorted(unknown)}")

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response.headers["Permissions-Policy"] = permissions_policy(frozenset(features))
            return response

        return wrapped

    return decorator
