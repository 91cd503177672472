"""README's partner walk, run as written. The shell block of README's "Partner REST API" section is
the one source: this test reads it, expands its variables as the shell would, and runs every curl
command with curl against a live server seeded with the demo, in order, feeding each answer to the
next (ids, the consent link, ETags), so README cannot drift from what the API does. The chain must
reach: a shop -> Centra and Fortnox connected (the consent link followed through the sandbox's
consent over HTTP) -> an integration -> flows and bookkeeping configured -> a test sync -> live ->
a failed record found, its request and response read -> retried.

Only what README's reader would type differently changes: the server's address (README's
127.0.0.1:8000 is the live server's), and `manage.py` commands run in this process (the live server's
database is this test's). A `| jq` step is evaluated here, so the test needs curl but not jq."""

import contextlib
import io
import json
import re
import shutil
import subprocess
import tempfile
from importlib import import_module
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django_q.conf import Conf

from integrations import queue
from integrations.models import Connection, Integration, SyncRecord
from mappings.models import Bookkeeping, OssAccount
from sandbox import demo
from sandbox.fortnox.models import Invoice

pytestmark = pytest.mark.django_db(transaction=True)
README = Path(__file__).resolve().parents[2] / "README.md"
README_SITE = "http://127.0.0.1:8000"
NAME = re.compile(r"\{?([A-Za-z_][A-Za-z0-9_]*)\}?")
PIPE, SEMICOLON = object(), object()


def walk() -> list[str]:
    """The partner section's shell block as logical commands: backslash-continued lines and JSON
    spread over lines inside quotes joined, blank lines and whole-line comments left out."""
    section = README.read_text(encoding="utf-8").split("## Partner REST API", 1)[1]
    block = section.split("```sh\n", 1)[1].split("\n```", 1)[0]
    commands, current = [], ""
    for line in block.splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line[:-1] + " " if line.endswith("\\") else line + "\n"
        if line.endswith("\\") or _open_quote(current):
            continue
        commands.append(current.strip())
        current = ""
    assert not current, f"README's partner block ends inside a command: {current!r}"
    return commands


def _open_quote(text: str) -> bool:
    """Whether `text` ends inside a quote (a comment's apostrophe, as in "Germany's", opens none)."""
    quote, comment, previous = None, False, " "
    for char in text:
        if comment:
            comment = char != "\n"
        elif quote is None and char == "#" and previous.isspace():
            comment = True
        elif quote is None and char in "'\"":
            quote = char
        elif char == quote:
            quote = None
        previous = char
    return quote is not None


def words(command: str, env: dict) -> list:
    """Shell words with $NAME expanded outside single quotes (one word, as inside double quotes),
    `|` and `;` as separators, a `#` starting a word as the rest-of-line comment."""
    out, word, quote, started, i = [], [], None, False, 0

    def flush():
        nonlocal word, started
        if word or started:
            out.append("".join(word))
        word, started = [], False

    while i < len(command):
        char = command[i]
        if quote == "'":
            if char == "'":
                quote = None
            else:
                word.append(char)
        elif char == "$" and (match := NAME.match(command, i + 1)):
            assert match.group(1) in env, f"README uses ${match.group(1)} before setting it: {command}"
            word.append(env[match.group(1)])
            started, i = True, match.end()
            continue
        elif quote == '"':
            if char == '"':
                quote = None
            elif char == "\\" and command[i + 1] in '"\\$':
                word.append(command[i + 1])
                i += 1
            else:
                word.append(char)
        elif char in "'\"":
            quote, started = char, True
        elif char.isspace():
            flush()
        elif char == "#" and not word and not started:
            break
        elif char in "|;":
            flush()
            out.append(PIPE if char == "|" else SEMICOLON)
        else:
            word.append(char)
        i += 1
    flush()
    return out


def split(items: list, separator) -> list[list]:
    parts = [[]]
    for item in items:
        if item is separator:
            parts.append([])
        else:
            parts[-1].append(item)
    return [part for part in parts if part]


def jq(answer: str, program: str) -> str:
    """`jq -r` for the paths README uses (.id, .results[0].id, .url): a path of keys and indexes."""
    value = json.loads(answer)
    for key, index in re.findall(r"\.([A-Za-z_]\w*)|\[(\d+)\]", program):
        if key:
            value = value.get(key) if isinstance(value, dict) else None
        else:
            value = value[int(index)] if isinstance(value, list) and int(index) < len(value) else None
    return "null" if value is None else str(value)  # as jq -r prints a missing value


class Walk:
    """README's commands run one after another, with their shell variables, and each curl answer."""

    def __init__(self, site: str, tmp: Path):
        self.site, self.tmp, self.env, self.answers = site, tmp, {}, []

    def run(self, command: str) -> None:
        command = command.replace(README_SITE, self.site)
        if assignment := re.fullmatch(r"(\w+)=\$\((.*)\)", command, re.DOTALL):
            name, inner = assignment.groups()
            self.env[name] = self.substituted(inner).strip()
            assert self.env[name] not in ("", "null"), \
                f"README's {name} came out empty: {inner}\n  after: {self.answers[-3:]}"
            return
        for statement in split(words(command, self.env), SEMICOLON):
            if statement[0] == "export":
                statement = statement[1:]
            if all(re.match(r"\w+=", word) for word in statement):
                self.env.update(word.split("=", 1) for word in statement)
            else:
                self.curl(statement, command)

    def substituted(self, inner: str) -> str:
        """The output of `$(...)`: a manage.py command (run here), or curl piped through jq or text tools."""
        segments = split(words(inner, self.env), PIPE)
        first = segments[0]
        if first[:2] == [".venv/bin/python", "manage.py"]:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                call_command(*first[2:], stdout=out)
            return out.getvalue()
        output = self.curl(first, inner)
        for segment in segments[1:]:
            if segment[0] == "jq":
                output = jq(output, segment[-1])
            else:
                output = subprocess.run(segment, input=output, capture_output=True, text=True, check=True).stdout
        return output

    def curl(self, argv: list[str], command: str) -> str:
        assert argv[0] == "curl", f"README's partner block runs only curl and assignments: {command}"
        headers = self.tmp / f"headers-{len(self.answers)}.txt"
        done = subprocess.run(["curl", "--max-time", "180", "-D", str(headers), *argv[1:]],
                              capture_output=True, text=True, timeout=200)
        statuses = re.findall(r"^HTTP/[\d.]+ (\d{3})", headers.read_text(), re.MULTILINE)
        assert done.returncode == 0, f"curl failed ({done.stderr}): {command}"
        self.answers.append((command, int(statuses[-1]), done.stdout))
        assert 200 <= int(statuses[-1]) < 300, f"{statuses[-1]} {done.stdout[:2000]}\n  for: {command}"
        return done.stdout

    def answer(self, fragment: str) -> str:
        """The last answer to the command containing `fragment`."""
        return next(body for command, _, body in reversed(self.answers) if fragment in command)


@pytest.fixture
def demo_server(live_server, settings, monkeypatch):
    """`make run`'s demo on a live server: the sandbox's Centra store and Fortnox company, staff user
    admin; queued tasks run at once (the worker's part), OAuth sends browsers back to this server."""
    if not shutil.which("curl"):
        pytest.fail("curl is missing: README's examples are curl commands (apt-get install curl).")
    settings.SITE_URL = live_server.url
    monkeypatch.setattr(Conf, "SYNC", True)
    monkeypatch.setattr(queue, "async_chain", worker_runs_chain)
    queue.enqueue_first_sync(demo.seed(live_server.url, fast=True))  # what seed_demo queues for the worker
    return live_server


def worker_runs_chain(tasks, **kwargs):
    """Stands in for the django-q worker: runs each task of a chain (first syncs, test syncs) in order."""
    for path, args in tasks:
        module, name = path.rsplit(".", 1)
        getattr(import_module(module), name)(*args)


def test_readmes_partner_walk_runs_as_written_from_a_new_shop_to_a_retried_failure(demo_server):
    commands = walk()
    with tempfile.TemporaryDirectory() as tmp:
        walker = Walk(demo_server.url, Path(tmp))
        for command in commands:
            walker.run(command)

    nordic = Integration.objects.select_related("organization__partner", "source", "target").get(slug="nordic-wear")
    env = walker.env
    # a shop of the partner, its owner invited
    assert nordic.organization.partner.slug == "agency"
    assert [message.to for message in mail.outbox if "anna@nordicwear.example" in message.to]
    # both systems connected: Centra checked live, Fortnox through the consent link followed over HTTP
    assert (nordic.source_id, nordic.target_id) == (int(env["CENTRA"]), int(env["FORTNOX"]))
    assert walker.answer("$CONSENT&tenant").startswith(f"200 {demo_server.url}/api/v1/oauth/callback/?code=")
    assert {c.health for c in Connection.objects.filter(pk__in=[nordic.source_id, nordic.target_id])} == {"healthy"}
    assert Connection.objects.get(pk=nordic.target_id).credentials.get("access_token")
    # configured: a flow's options and the bookkeeping, each against its ETag
    assert nordic.flows.get(kind="orders").batch_size == 25
    assert Bookkeeping.objects.get(integration=nordic).discount_account == 3731
    assert OssAccount.objects.filter(integration=nordic, country_code="DE", sales_account=3108).exists()
    # the test sync created the shipment's invoice in the Fortnox sandbox, and the integration is live
    tested = SyncRecord.objects.filter(integration=nordic, source_ref="10001-1", status="created").first()
    assert tested is not None
    assert Invoice.objects.filter(tenant__name="Demo Fashion AB", document_number=int(tested.target_id)).exists()
    assert nordic.status == Integration.Status.LIVE
    # a failure found, what was sent and Fortnox answered read (redacted), its cause fixed, retried
    failed = SyncRecord.objects.get(pk=int(env["RECORD"]))
    detail = json.loads(walker.answer("records/$RECORD/"))
    assert (failed.integration_id, failed.source_ref, failed.error_code) == (nordic.pk, "10003-1", "remote_rejected")
    assert "3150" in detail["message"]
    assert detail["error"]["advice"]
    assert "3150" in json.dumps(detail["request"])  # the invoice as sent
    assert "3150" in json.dumps(detail["response"])  # Fortnox's refusal
    assert "Bearer" not in json.dumps(detail)
    assert json.loads(walker.answer("records/retry/")) == {"queued": 1,
                                                           "message": "Queued 1 failed record(s) for a retry."}
    [again] = json.loads(walker.answer("records/?search=10003-1"))["results"][:1]
    assert (again["id"] != failed.pk, again["status"], again["flow"]) == (True, "created", "orders")
    assert Bookkeeping.objects.get(integration=nordic).export_account == 3105
    # the other failure closed by hand, with its reason
    closed = SyncRecord.objects.filter(integration=nordic, source_ref="10006-1").latest("pk")
    assert (closed.error_code, closed.resolution, closed.resolution_note) == (
        "invalid_article_number", "resolved", "Invoiced by hand in Fortnox")
