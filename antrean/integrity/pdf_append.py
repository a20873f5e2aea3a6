"""Append a PAdES signature to a certificate PDF that our own renderer wrote.

pyHanko signs any PDF: it parses the file, finds the page, builds the signature field and
writes an incremental update through its object model. For the certificates, which ReportLab
writes in one known shape (one page, a classic xref table, no form), that general work was
most of the signing time. Here the same incremental update is written as text: the signature
dictionary with room for the CMS, a signature field that is also its (invisible) widget, the
catalog with an AcroForm naming it, the page with the widget in /Annots, an xref section and
a trailer pointing back at the original one. Anything that does not have that shape returns
None, and the caller signs through pyHanko as before. What is written is checked the same way
as pyHanko's output: pyHanko's validator and `openssl cms -verify` in the tests.

Reference: ISO 32000-1 §7.5.6 (incremental updates), §12.8 (digital signatures); ETSI EN
319 142-1 (PAdES baseline: /SubFilter /ETSI.CAdES.detached, signing time in /M).
"""

import datetime as dt
import hashlib
import re
from collections.abc import Callable

_TRAILER = re.compile(rb"trailer\s*<<(?P<body>.*?)>>\s*startxref\s+(?P<xref>\d+)\s+%%EOF\s*$", re.S)
_REF = rb"/%s (\d+) 0 R"
_ID = re.compile(rb"/ID\s*\[\s*(<[0-9A-Fa-f]+>)\s*(<[0-9A-Fa-f]+>)\s*\]")
_SIZE = re.compile(rb"/Size (\d+)")
# Room for the byte range's three numbers, whatever the file's size: they are written into
# the placeholder after the offsets are known, and the rest is padded with spaces.
_BYTE_RANGE_ROOM = len(b"/ByteRange [0 0000000000 0000000000 0000000000]")
_SIG_HEAD = b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached "


def _object_dict(pdf: bytes, number: int) -> bytes | None:
    """The inside of `number 0 obj << … >> endobj`, when the object is a plain dictionary."""
    match = re.search(rb"(?:^|\n)%d 0 obj\s*<<(.*?)>>\s*endobj" % number, pdf, re.S)
    return match.group(1) if match else None


def _text(value: str) -> bytes:
    """A PDF text string in UTF-16BE hex: any script, nothing to escape."""
    return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode() + b">"


def _pdf_date(when: dt.datetime) -> bytes:
    return when.astimezone(dt.UTC).strftime("(D:%Y%m%d%H%M%S+00'00')").encode()


def append_signature(
    pdf: bytes,
    *,
    field_name: str,
    reason: str,
    location: str,
    signed_at: dt.datetime,
    reserved_hex: int,
    sign_digest: Callable[[bytes], bytes | None],
) -> bytes | None:
    """`pdf` with a PAdES signature appended, or None if `pdf` is not in the expected shape.

    `sign_digest` gets the SHA-256 of the signed byte ranges and returns the DER of the CMS
    SignedData (None to give up, e.g. before a key's first signature).
    """
    # One revision only: in a file that was updated before, an object may be defined twice
    # and the first definition found would not be the one in force.
    if pdf.count(b"%%EOF") != 1:
        return None
    trailer = _TRAILER.search(pdf)
    if trailer is None or b"/Prev" in trailer.group("body"):
        return None
    body = trailer.group("body")
    root_ref = re.search(_REF % b"Root", body)
    size = _SIZE.search(body)
    if root_ref is None or size is None:
        return None
    root, size = int(root_ref.group(1)), int(size.group(1))
    info_ref = re.search(_REF % b"Info", body)
    ids = _ID.search(body)
    catalog = _object_dict(pdf, root)
    if catalog is None or b"/AcroForm" in catalog:
        return None
    pages_ref = re.search(_REF % b"Pages", catalog)
    pages = _object_dict(pdf, int(pages_ref.group(1))) if pages_ref else None
    kids = re.fullmatch(rb"\s*\[\s*(\d+) 0 R\s*\]\s*", _kids(pages) or b"") if pages else None
    if kids is None:  # exactly one page
        return None
    page_number = int(kids.group(1))
    page = _object_dict(pdf, page_number)
    if page is None or b"/Annots" in page:
        return None

    sig, field = size, size + 1
    out = bytearray(pdf if pdf.endswith(b"\n") else pdf + b"\n")
    offsets: dict[int, int] = {}

    def add(number: int, text: bytes) -> None:
        offsets[number] = len(out)
        out.extend(b"%d 0 obj\n" % number + text + b"\nendobj\n")

    contents_placeholder = b"<" + b"0" * reserved_hex + b">"
    add(
        sig,
        _SIG_HEAD
        + b" " * _BYTE_RANGE_ROOM
        + b" /Contents "
        + contents_placeholder
        + b" /M "
        + _pdf_date(signed_at)
        + b" /Reason "
        + _text(reason)
        + b" /Location "
        + _text(location)
        + b" >>",
    )
    byte_range_at = offsets[sig] + len(b"%d 0 obj\n" % sig) + len(_SIG_HEAD)
    add(
        field,
        b"<< /Type /Annot /Subtype /Widget /FT /Sig /F 132 /Rect [0 0 0 0] /T "
        + _text(field_name)
        + b" /V %d 0 R /P %d 0 R >>" % (sig, page_number),
    )
    add(root, b"<<" + catalog + b" /AcroForm << /Fields [%d 0 R] /SigFlags 3 >> >>" % field)
    add(page_number, b"<<" + page + b" /Annots [%d 0 R] >>" % field)

    xref_at = len(out)
    out.extend(b"xref\n")
    for number in sorted(offsets):
        out.extend(b"%d 1\n%010d 00000 n \n" % (number, offsets[number]))
    trailer_body = b"/Size %d /Root %d 0 R" % (size + 2, root)
    if info_ref:
        trailer_body += b" /Info %s 0 R" % info_ref.group(1)
    if ids:
        trailer_body += b" /ID [" + ids.group(1) + ids.group(2) + b"]"
    trailer_body += b" /Prev %s" % trailer.group("xref")
    out.extend(b"trailer\n<< " + trailer_body + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref_at)

    # The signed ranges: everything but the hex string of /Contents, its angle brackets in.
    start = out.index(contents_placeholder, byte_range_at)
    end = start + len(contents_placeholder)
    byte_range = b"/ByteRange [0 %d %d %d]" % (start, end, len(out) - end)
    out[byte_range_at : byte_range_at + len(byte_range)] = byte_range
    digest = hashlib.sha256(bytes(out[:start]) + bytes(out[end:])).digest()
    der = sign_digest(digest)
    if der is None or 2 * len(der) > reserved_hex:
        return None
    signature_hex = der.hex().encode()
    out[start + 1 : start + 1 + len(signature_hex)] = signature_hex
    return bytes(out)


def _kids(pages: bytes) -> bytes | None:
    match = re.search(rb"/Kids\s*(\[[^\]]*\])", pages)
    return match.group(1) if match else None
