"""Run one flow of one integration in the foreground: `manage.py run_flow demo orders`."""

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from integrations.alerts import access_advice, reconnect_url, refusing_connections
from integrations.flows.runner import RunInProgress, run_flow
from integrations.models import Flow, Integration, SyncRun


class Command(BaseCommand):
    help = "Run a flow now and print `created=N updated=N skipped=N failed=N`. Exit 0 when the run completed."

    def add_arguments(self, parser):
        parser.add_argument("integration", help="Integration slug, e.g. demo")
        parser.add_argument("kind", choices=Flow.Kind.values, help="Flow kind")
        parser.add_argument(
            "--full", action="store_true",
            help="A full pass: orders sweep the whole backfill window again; stock reconciles every SKU.",
        )
        parser.add_argument("--force", action="store_true", help="Run even if the flow is disabled or paused.")

    def handle(self, integration, kind, full, force, **options):
        flow = Flow.objects.select_related("integration__source", "integration__target").filter(
            integration__slug=integration, kind=kind
        ).first()
        if flow is None:
            if not Integration.objects.filter(slug=integration).exists():
                raise CommandError(f"No integration with slug {integration!r}.")
            raise CommandError(f"Integration {integration!r} has no {kind} flow.")
        if not force and (not flow.enabled or flow.integration.status == Integration.Status.PAUSED):
            raise CommandError(f"{flow} is disabled or its integration is paused (use --force to run anyway).")

        bar = tqdm(desc=str(flow), unit="record", disable=not sys.stderr.isatty(), file=sys.stderr)
        try:
            run = run_flow(flow, SyncRun.Trigger.MANUAL, full=full, progress=lambda outcome: bar.update(1))
        except RunInProgress as exc:
            raise CommandError(f"{exc}; try again when it has finished.") from exc
        finally:
            bar.close()

        if run.status == SyncRun.Status.FAILED:
            self.stderr.write(f"run {run.pk} failed [{run.error_code}]: {run.error_message}")
            for connection in refusing_connections(run):
                self.stderr.write(f"{connection} refused our access: every flow using it is paused and no record "
                                  f"was marked failed. {access_advice(connection)} {reconnect_url(connection)}")
        elif run.failed:
            self.stderr.write(f"run {run.pk}: {run.failed} record(s) failed; see the sync log in the admin.")
        self.stdout.write(run.summary)
        if run.status == SyncRun.Status.FAILED:
            raise SystemExit(1)
