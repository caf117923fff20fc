from celery import shared_task

from dashboard.exports import export_run, exports_sweep
from dashboard.models import OpenTicketsCount, StaleDay
from dashboard.open_tickets import open_snapshot_take
from dashboard.rollups import rollups_refresh
from dashboard.weekly import weekly_summary_send
from possystem.maintenance import vacuum


@shared_task(name="dashboard.export_run", ignore_result=True)
def export_run_task(export_id: int) -> bool:
    """Write one export's file; a job already finished or held by a live worker is left alone, so a
    task the broker redelivers (a long export outlasts its visibility timeout) does nothing."""
    return export_run(export_id=export_id)


@shared_task(name="dashboard.exports_sweep", ignore_result=True)
def exports_sweep_task() -> dict:
    return exports_sweep()


@shared_task(name="dashboard.weekly_summary", ignore_result=True)
def weekly_summary_task() -> int:
    return weekly_summary_send()


@shared_task(name="dashboard.rollups_refresh", ignore_result=True)
def rollups_refresh_task() -> int:
    days = rollups_refresh()
    # The marks it consumed, and those the readers' own refreshes consumed since the last time
    # (possystem.maintenance): a few milliseconds on a table this small.
    vacuum(StaleDay)
    return days


@shared_task(name="dashboard.open_snapshot", ignore_result=True)
def open_snapshot_task() -> int:
    rows = open_snapshot_take()
    vacuum(OpenTicketsCount)  # the snapshot it replaced (possystem.maintenance)
    return rows
