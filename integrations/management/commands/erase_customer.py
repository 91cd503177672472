"""Erase one customer's personal data for a GDPR request: `manage.py erase_customer anna@example.com --by alice`."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from integrations.erasure import TABLES, erase_customer
from integrations.models import Integration


class Command(BaseCommand):
    help = ("Replace a customer's name, e-mail, addresses and phone numbers with a marker in every sync record, "
            "record link, webhook event, run, alert and reconciliation report; ids and amounts stay. "
            "Prints how many rows of each table change (never the data).")

    def add_arguments(self, parser):
        parser.add_argument("email", nargs="?", default="", help="The customer's e-mail address.")
        parser.add_argument("--customer-id", default="", help="The customer's Centra customer id.")
        parser.add_argument("--integration", default="", help="Only this integration's data (its slug).")
        parser.add_argument("--by", default="", help="Username of the staff member handling the request (audited).")
        parser.add_argument("--dry-run", action="store_true", help="Say what would change; change nothing.")

    def handle(self, email, customer_id, integration, by, dry_run, **options):
        if not email and not customer_id:
            raise CommandError("Give the customer's e-mail, --customer-id, or both.")
        scope = None
        if integration:
            scope = Integration.objects.filter(slug=integration).first()
            if scope is None:
                raise CommandError(f"No integration with slug {integration!r}.")
        user = None
        if not dry_run:
            if not by:
                raise CommandError("Give --by <username>: an erasure is recorded in the audit trail as theirs.")
            user = get_user_model().objects.filter(username=by, is_staff=True).first()
            if user is None:
                raise CommandError(f"No staff user {by!r}.")
        report = erase_customer(email=email, centra_customer_id=customer_id, integration=scope, user=user,
                                dry_run=dry_run)
        verb = "would change" if dry_run else "changed"
        for table in TABLES:
            self.stdout.write(f"{table}: {report.counts[table]} row(s) {verb}")
        self.stdout.write(f"{report.values} personal value(s) {'would be ' if dry_run else ''}erased"
                          + ("" if dry_run else "; recorded in the audit trail"))
