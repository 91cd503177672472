"""`manage.py seed_demo`: the demo shop in the sandbox, wired to Junipeer. Idempotent."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integrations.queue import enqueue_first_sync
from sandbox import demo, demo_business_central


class Command(BaseCommand):
    help = "Seed the demo organization, sandbox Centra store and Fortnox tenant, and queue a first sync."

    def add_arguments(self, parser):
        parser.add_argument("--site-url", default=settings.SITE_URL, help="Where this site (and its sandbox) runs.")
        parser.add_argument("--no-sync", action="store_true", help="Do not queue the first orders run.")

    def handle(self, site_url, no_sync, **options):
        if not settings.SANDBOX_ENABLED:
            raise CommandError("The demo lives in the sandbox; set SANDBOX_ENABLED=true.")
        integration = demo.seed(site_url)
        self.stdout.write(f"Demo integration '{integration.slug}' talks to the sandbox at {site_url}/sandbox/.")
        if not no_sync:
            kinds = enqueue_first_sync(integration)
            self.stdout.write(f"Queued a first sync ({' -> '.join(kinds)}); the worker started by `make run` "
                              "picks it up.")
        self.stdout.write(f"Staff login: {demo.STAFF_USERNAME} / {demo.STAFF_PASSWORD}")
        store = demo.seed_get_started()
        self.stdout.write(f"Get Started as a new shop: {site_url}/accounts/signup/ ; in step 1 the Centra store "
                          f"'{store.name}' has the API address {site_url}/sandbox/centra/{store.slug} and the API "
                          f"token {store.api_token}; in step 2 pick the Fortnox company {demo.GET_STARTED_COMPANY}")
        bc, nordic = demo_business_central, demo_business_central.centra_store()
        self.stdout.write(f"Get Started on Business Central: in step 1 the Centra store '{nordic.name}' at "
                          f"{site_url}/sandbox/centra/{nordic.slug} with the token {nordic.api_token}; in step 2 "
                          f"Business Central with tenant {bc.TENANT}, client id {bc.BC_CLIENT_ID}, client secret "
                          f"{bc.BC_CLIENT_SECRET}, API and sign-in address {site_url}/sandbox/business_central; then "
                          f"the environment sandbox and the company {bc.TEST_COMPANY_NAME}")
