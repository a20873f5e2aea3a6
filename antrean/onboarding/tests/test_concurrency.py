"""Two imports of the same new office at the same moment, on the real database.

On PostgreSQL both plan a new office; the second insert waits for the first to commit, meets
the unique office code and answers `PlanChanged` (nothing of it written). On SQLite the
IMMEDIATE transactions run one after the other and the second finds nothing to change.
Either way: one office, its rows once.
"""

import threading

import pytest
from django.db import connection

from antrean.catalog.models import Counter, Service
from antrean.onboarding.services import PlanChanged, office_export, office_import
from antrean.onboarding.tests.helpers import NOW, edit, small_office
from antrean.tenancy.models import Agency, Office

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_two_imports_of_one_new_office_at_once_make_it_once():
    source = small_office()
    workbook = edit(
        office_export(actor=None, office=source),
        [("Kantor", 2, "code", "mpp-kembar"), ("Kantor", 2, "name", "MPP Kembar")],
    )
    barrier = threading.Barrier(2)
    results, crashes = [None, None], []

    def run(i):
        try:
            barrier.wait(timeout=30)
            results[i] = office_import(actor=None, data=workbook, dry_run=False, now=NOW)
        except PlanChanged as changed:
            results[i] = changed
        except BaseException as error:  # reported below
            crashes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not crashes, crashes

    created = [r for r in results if not isinstance(r, PlanChanged) and r.office_created]
    assert len(created) == 1
    other = next(r for r in results if r is not created[0])
    if isinstance(other, PlanChanged):
        assert not other.result.office_created  # the preview now sees the office
    else:
        assert other.changes == 0
    office = Office.objects.get(code="mpp-kembar")
    assert Agency.objects.filter(office=office).count() == 2
    assert Service.objects.filter(office=office).count() == 3
    assert Counter.objects.filter(office=office).count() == 2
