"""How far a flow's latest run has got: records done, of how many when that is known."""

from dataclasses import dataclass
from datetime import timedelta

from ..models import Flow, SyncRun


@dataclass(frozen=True)
class Progress:
    run: SyncRun | None
    done: int
    total: int | None  # known for a backfill (counted before it was confirmed, kept on the flow)

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


def flow_progress(flow: Flow) -> Progress:
    """The latest run of `flow` since the console or the API last asked for one (a few seconds of
    clock slack), measured against the total counted then, as the flow keeps it: one query."""
    runs = SyncRun.objects.filter(flow=flow)
    if flow.progress_since is not None:
        runs = runs.filter(started_at__gte=flow.progress_since - timedelta(seconds=5))
    run = runs.order_by("-started_at").first()
    done = (run.created + run.updated + run.skipped + run.failed) if run else 0
    return Progress(run, done, flow.progress_total)
