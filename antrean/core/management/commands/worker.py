"""`manage.py worker`: runs queued tasks (django-tasks on the database) and periodic sweeps.

`manage.py serve` starts one beside the web server and starts it again if it dies. Several
may run at once: each task is claimed under a row lock, and every sweep is idempotent. Each
worker sends a heartbeat; what a worker that stopped being seen left half-done (messages being
sent, tasks RUNNING) is taken up at the next worker's start and by the periodic sweeps.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connections
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands.db_worker import Worker

logger = logging.getLogger("antrean.worker")

# (every N seconds, job): each job is a plain function that may run on any worker.
SWEEP_SECONDS = 30


def _expire_holds() -> None:
    from antrean.booking.holds import holds_expire_due

    holds_expire_due()


def _run_draws() -> None:
    from antrean.draws.services import draws_close_due, draws_forget_due, draws_open_due

    draws_open_due()
    draws_close_due()
    draws_forget_due()


def _sweep_certificates() -> None:
    from antrean.integrity.tasks import render_pending_certificates

    count = render_pending_certificates.call()
    if count:
        logger.warning("Rendered %d certificate(s) that no task had produced.", count)


def _ensure_slots() -> None:
    from antrean.catalog.services import office_slots_ensure
    from antrean.tenancy.models import Office

    for office in Office.objects.filter(is_active=True):
        office_slots_ensure(office=office)


def _recover_messages() -> None:
    from antrean.notifications.services import messages_recover_stale

    messages_recover_stale()


def _recover_tasks() -> None:
    from antrean.core.tasks import tasks_recover_stale

    tasks_recover_stale()


def _queue_reminders() -> None:
    from antrean.notifications.services import reminders_queue

    reminders_queue()


def _expire_tickets() -> None:
    from antrean.queueing.services import tickets_expire

    tickets_expire()


def _erase_expired_personal_data() -> None:
    from antrean.privacy.services import personal_data_erase_expired

    # A bounded slice each hour: a large backlog must not hold up the other sweeps.
    personal_data_erase_expired(time_budget=30)


def _make_monthly_reports() -> None:
    from antrean.dashboards.services import monthly_reports_make_due

    made = monthly_reports_make_due()
    if made:
        logger.info("Made %d monthly report(s).", made)


def _refresh_office_months() -> None:
    from antrean.dashboards.months import office_months_refresh_due

    office_months_refresh_due()


def _rollup_stats() -> None:
    from antrean.stats.rollup import rollup_recent

    # Today and yesterday of every active office: a day is final after its midnight's run.
    rollup_recent()


# Daily roll-ups are refreshed this often; dashboards show today's figures this late at most.
ROLLUP_SECONDS = 600

PERIODIC = [
    (60, _expire_tickets),
    # A hold's place comes back within a sweep of its end (a confirmation that comes late
    # releases it at once).
    (SWEEP_SECONDS, _expire_holds),
    # Draws open (commitment) and are drawn within a sweep of their window's ends.
    (SWEEP_SECONDS, _run_draws),
    (SWEEP_SECONDS, _sweep_certificates),
    (SWEEP_SECONDS, _recover_messages),
    (SWEEP_SECONDS, _recover_tasks),
    (60, _queue_reminders),
    (3600, _ensure_slots),
    (3600, _erase_expired_personal_data),
    (ROLLUP_SECONDS, _rollup_stats),
    (ROLLUP_SECONDS, _refresh_office_months),
    (3600, _make_monthly_reports),
]


def run_heartbeat(stop: threading.Event, *, worker_id: str) -> None:
    """Tell the others this worker is alive, on its own thread: a batch of slow sends must
    not make a live worker look dead (recovery would then take its messages away)."""
    from antrean.notifications.services import HEARTBEAT_EVERY, worker_heartbeat

    while not stop.wait(HEARTBEAT_EVERY.total_seconds()):
        try:
            close_old_connections()
            worker_heartbeat(worker_id=worker_id)
        except Exception:
            logger.exception("Heartbeat failed")
        finally:
            connections.close_all()


def run_outbox(stop: threading.Event, *, worker_id: str, interval: float) -> None:
    """Send due WhatsApp messages until stopped: poll fast while there is work."""
    from antrean.notifications.services import messages_send_due, worker_gone

    while not stop.is_set():
        try:
            close_old_connections()
            report = messages_send_due(worker_id=worker_id, should_stop=stop.is_set)
        except Exception:
            logger.exception("Sending messages failed")
            report = None
        finally:
            connections.close_all()
        if report is None or report.claimed == 0:
            stop.wait(interval)
    worker_gone(worker_id=worker_id)
    connections.close_all()


def run_periodic(stop: threading.Event) -> None:
    last_run = dict.fromkeys(range(len(PERIODIC)), 0.0)
    while not stop.is_set():
        now = time.monotonic()
        for index, (every, job) in enumerate(PERIODIC):
            if now - last_run[index] >= every:
                last_run[index] = now
                try:
                    close_old_connections()
                    job()
                except Exception:
                    logger.exception("Periodic job %s failed", job.__name__)
                finally:
                    connections.close_all()
        stop.wait(1.0)


def _db_worker(*, interval: float, batch: bool, worker_id: str) -> Worker:
    return Worker(
        queue_names=["*"],
        interval=interval,
        batch=batch,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


class RQTaskWorker:
    """The tasks' worker when TASKS_BACKEND=rq: an RQ worker on the project's queues, with
    django-tasks' job class so results are recorded as django-tasks expects."""

    def __init__(self, *, burst: bool):
        self.burst = burst

    def run(self) -> None:
        import django_rq
        from django_tasks_rq.backend import Job

        queues = [django_rq.get_queue(name, job_class=Job) for name in settings.TASK_QUEUES]
        worker = django_rq.get_worker(*[q.name for q in queues], job_class=Job)
        worker.work(burst=self.burst, with_scheduler=False)


class Command(BaseCommand):
    help = "Run background tasks (certificates, messages) and periodic sweeps."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=0.2, help="Seconds between polls.")
        parser.add_argument("--no-periodic", action="store_true")
        parser.add_argument(
            "--burst",
            action="store_true",
            help="Run the queued tasks, then exit (no message sending, no sweeps): for cron "
            "and tests.",
        )

    def handle(self, *args, interval, no_periodic=False, burst=False, **options):
        if burst:
            self._burst(interval)
            return
        from antrean.core.tasks import tasks_recover_stale
        from antrean.notifications.services import messages_recover_stale, worker_heartbeat

        stop = threading.Event()
        worker_id = get_random_string(32)
        worker_heartbeat(worker_id=worker_id)
        # What a dead worker left half-done is settled before anything new is sent or run.
        recovered = messages_recover_stale()
        if recovered.requeued or recovered.ambiguous:
            logger.warning(
                "Recovered messages: %d requeued, %d ambiguous (not resent)",
                recovered.requeued,
                recovered.ambiguous,
            )
        tasks = tasks_recover_stale()
        if tasks.requeued or tasks.failed:
            logger.warning(
                "Recovered tasks: %d requeued, %d given up", tasks.requeued, tasks.failed
            )
        connections.close_all()
        threading.Thread(
            target=run_heartbeat, args=(stop,), kwargs={"worker_id": worker_id}, daemon=True
        ).start()
        outbox = threading.Thread(
            target=run_outbox,
            args=(stop,),
            kwargs={"worker_id": worker_id, "interval": interval},
            daemon=True,
        )
        outbox.start()
        if not no_periodic:
            threading.Thread(target=run_periodic, args=(stop,), daemon=True).start()
        if settings.TASKS_BACKEND == "rq":
            worker = RQTaskWorker(burst=False)
        else:
            worker = _db_worker(interval=interval, batch=False, worker_id=worker_id)
            worker.configure_signals()
        try:
            worker.run()
        finally:
            stop.set()
            # A message being sent finishes (and is recorded) before the process exits;
            # otherwise a plain stop would leave it to recovery as ambiguous.
            outbox.join(timeout=settings.WHATSAPP_TIMEOUT + 10)

    def _burst(self, interval: float) -> None:
        if settings.TASKS_BACKEND == "rq":
            RQTaskWorker(burst=True).run()
            return
        from antrean.notifications.services import worker_gone, worker_heartbeat

        # A heartbeat here too: the tasks it runs must not look abandoned to the others.
        worker_id = get_random_string(32)
        worker_heartbeat(worker_id=worker_id)
        connections.close_all()
        stop = threading.Event()
        beat = threading.Thread(
            target=run_heartbeat, args=(stop,), kwargs={"worker_id": worker_id}, daemon=True
        )
        beat.start()
        try:
            _db_worker(interval=interval, batch=True, worker_id=worker_id).run()
        finally:
            stop.set()
            beat.join(timeout=30)
            worker_gone(worker_id=worker_id)
