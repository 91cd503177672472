"""How far a flow's latest run has got: records done, of how many when that is known."""

from dataclasses import dataclass

from ..models import Flow, SyncRun


@dataclass(frozen=True)
class Progress:
    run: SyncRun | None
    done: int
    total: int | None  # known for a backfill (counted before it was confirmed); None otherwise

    @property
    def running(self) -> bool:
        return self.run is not None and self.run.status == SyncRun.Status.RUNNING

    @property
    def finished(self) -> bool:
        return self.run is not None and not self.running

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        if not self.total:
            return 0
        return min(99, round(100 * self.done / self.total))


def flow_progress(flow: Flow, *, total: int | None = None, since=None) -> Progress:
    """The latest run of `flow` (started at or after `since` when given): one query."""
    runs = SyncRun.objects.filter(flow=flow)
    if since is not None:
        runs = runs.filter(started_at__gte=since)
    run = runs.order_by("-started_at").first()
    done = (run.created + run.updated + run.skipped + run.failed) if run else 0
    return Progress(run, done, total)
