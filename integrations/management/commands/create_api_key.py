"""Make a partner API key from the command line (the console and POST /api/v1/keys/ do the same).

    manage.py create_api_key --partner agency --user admin --scope read_write [--shop demo ...]

The partner is created if it does not exist; each --shop named is linked to it (the operator decides
which shops a partner looks after). The key is printed once.
"""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from integrations.models import ApiKey, Organization, Partner
from integrations.services import api_keys


class Command(BaseCommand):
    help = "Make an API key for a partner (created if new) and link shops to it; prints the key once."

    def add_arguments(self, parser):
        parser.add_argument("--partner", required=True, help="The partner's slug.")
        parser.add_argument("--user", required=True, help="Username the key acts as in the audit trail.")
        parser.add_argument("--scope", choices=ApiKey.Scope.values, default=ApiKey.Scope.READ)
        parser.add_argument("--name", default="Command line")
        parser.add_argument("--expires", type=datetime.fromisoformat, help="ISO date-time, e.g. 2027-01-31T00:00Z")
        parser.add_argument("--shop", action="append", default=[], help="A shop (organization slug) to link.")

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}: create one first (createsuperuser).")
        partner, _ = Partner.objects.get_or_create(slug=options["partner"],
                                                   defaults={"name": options["partner"].replace("-", " ").title()})
        for slug in options["shop"]:
            if not Organization.objects.filter(slug=slug).update(partner=partner):
                raise CommandError(f"No shop {slug!r}.")
        try:
            issued = api_keys.issue(partner, name=options["name"], scope=options["scope"],
                                    expires_at=options["expires"], user=user)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(issued.key)
