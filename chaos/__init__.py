"""The fault-injection suite: `manage.py chaos` (and `make chaos`).

A test harness, not engine code. It runs the real thing — the sandbox behind `runserver`, django-q2
workers in their own processes, the engine talking HTTP to both simulators — turns the sandbox's
fault knobs up, kills workers, expires tokens and floods the webhook endpoint, then checks the
Fortnox sandbox document by document against what Centra holds.

- `harness`: the server and worker processes (start, SIGKILL, stop; never left running).
- `world`: the data: a Centra store, a Fortnox tenant, the integration, orders placed over time.
- `webhooks`: signed Centra webhook floods and redeliveries.
- `scenario`: the timeline that drives all of the above.
- `check`: the document-by-document comparison and the figures printed at the end.
"""
