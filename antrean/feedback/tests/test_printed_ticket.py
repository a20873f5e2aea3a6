"""The printed walk-in ticket carries the survey link as a QR, which works before service
(answering `not open`) and opens when the ticket is done."""

import io

import pytest
from pypdf import PdfReader

from antrean.display import printing
from antrean.feedback.models import SurveyInvitation
from antrean.feedback.services import survey_token
from antrean.feedback.tests.served import make_desk, serve, walk_in

pytestmark = pytest.mark.django_db


def qr_raster(data: str, *, paper: int) -> bytes:
    """The exact bytes python-escpos prints for a QR of `data` at the ticket's size."""
    from escpos.constants import QR_ECLEVEL_M
    from escpos.printer import Dummy

    printing._escpos_cache_dir()
    dummy = Dummy(profile=printing.ESCPOS_PROFILE)
    dummy.qr(data, ec=QR_ECLEVEL_M, size=5 if paper == 80 else 4, native=False)
    raster = dummy.output
    return raster[raster.index(b"\x1dv0") :]  # GS v 0 onwards: the image itself


@pytest.mark.parametrize("paper", [80, 58])
def test_printed_ticket_has_the_survey_qr_and_line(settings, client, paper):
    settings.SITE_URL = "https://antrean.badungkab.go.id"
    desk = make_desk()
    issued = walk_in(desk)
    content = printing.ticket_content(issued.ticket, issued.token)
    token = survey_token(issued.ticket)
    assert content.survey_url == f"https://antrean.badungkab.go.id/survei/{token}/"
    # Printing made the invitation, not yet open.
    assert SurveyInvitation.objects.get(ticket=issued.ticket).expires_at is None

    job = printing.ticket_escpos_bytes(content, paper=paper)
    assert qr_raster(content.survey_url, paper=paper) in job
    assert b"Survei kepuasan setelah dilayani" in job
    text = PdfReader(io.BytesIO(printing.ticket_pdf(content, paper=paper))).pages[0].extract_text()
    assert "Survei kepuasan setelah dilayani" in text

    # Scanned before service: a clear page, nothing to answer yet.
    early = client.get(f"/survei/{token}/")
    assert early.status_code == 409 and b"setelah layanan Anda selesai" in early.content
    serve(desk, issued.ticket)
    assert client.get(f"/survei/{token}/").status_code == 200
