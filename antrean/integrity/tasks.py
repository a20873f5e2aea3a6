"""Background work of the integrity app. Tasks may run twice: each is idempotent."""

from django_tasks import task

from antrean.integrity.certificates import certificate_render, certificates_pending


@task(queue_name="certificates")
def render_certificate(certificate_id: int) -> None:
    certificate_render(certificate_id=certificate_id)


@task(queue_name="certificates")
def render_pending_certificates() -> int:
    """Sweep: render what a lost task left undone."""
    count = 0
    for certificate_id in certificates_pending().values_list("pk", flat=True)[:500]:
        certificate_render(certificate_id=certificate_id)
        count += 1
    return count
