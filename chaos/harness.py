"""The processes of a chaos run: the sandbox web server and the django-q2 worker clusters.

Each process starts in its own session, so it is a process-group leader: a worker cluster
(sentinel, pusher, monitor and worker processes) is killed as one with `killpg`, the way a
machine or container dies. `Harness` is a context manager and stops every process it started
on every way out (normal end, exception, Ctrl-C, SIGTERM); nothing is left running.

Runs are started the way production starts them: django-q2's schedule of `run_due_flows`, on a
tick of a few seconds instead of a minute (`start_scheduler`).
"""

import logging
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from django.conf import settings

logger = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 10.0
READY_TIMEOUT_SECONDS = 60.0
SCHEDULER_POLL_SECONDS = 0.5


def free_port() -> int:
    """A port the kernel just handed out, so two runs (or a dev server) never collide."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a zombie member still counts as present; we only signal our own
        return True
    return True


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        logger.debug("process group %s is already gone", pgid)


class Process:
    """One started command, its process group and its log file."""

    def __init__(self, name: str, args: list[str], env: dict, log_path: Path):
        self.name = name
        self.log_path = log_path
        with open(log_path, "ab") as log:
            self.popen = subprocess.Popen(
                [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args],
                cwd=settings.BASE_DIR, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pgid = self.popen.pid  # a new session's leader: its pid is the group id

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole group at once: no shutdown code runs, as when a machine dies."""
        _signal_group(self.pgid, signal.SIGKILL)
        self.popen.wait()

    def terminate(self) -> None:
        """Ask the leader to stop (a qcluster finishes its task first, within the grace)."""
        if self.alive:
            self.popen.send_signal(signal.SIGTERM)

    def finish(self, deadline: float) -> None:
        """Wait for the whole group to be gone until `deadline` (monotonic), then SIGKILL the rest."""
        while (self.alive or _group_alive(self.pgid)) and time.monotonic() < deadline:
            self.popen.poll()
            time.sleep(0.2)
        if self.alive or _group_alive(self.pgid):
            logger.warning("%s did not stop within its grace: killing it", self.name)
            _signal_group(self.pgid, signal.SIGKILL)
        self.popen.wait()

    def stop(self) -> None:
        self.terminate()
        self.finish(time.monotonic() + STOP_GRACE_SECONDS)

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


class Scheduler(threading.Thread):
    """django-q2's own scheduler function, called every half second from this process.

    A cluster looks at its schedules every 30 s (a constant of its guard loop), so a schedule
    shorter than that needs someone to look more often. This thread only does what the clusters'
    scheduler does, sooner: due schedules become tasks in the broker, for the workers to run.
    """

    def __init__(self):
        super().__init__(name="django-q scheduler", daemon=True)
        self.stopping = threading.Event()

    def run(self) -> None:
        from django.db import connection
        from django_q.brokers import get_broker
        from django_q.scheduler import scheduler

        broker = get_broker()
        try:
            while not self.stopping.wait(SCHEDULER_POLL_SECONDS):
                scheduler(broker=broker)
        finally:
            connection.close()  # this thread's own connection: a test database can then be dropped

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=STOP_GRACE_SECONDS)


def set_due_flows_tick(seconds: int) -> None:
    """Make the minute tick of `run_due_flows` every `seconds` (a divisor of 60): django-q2's cron
    schedules take a sixth field for seconds."""
    from django.utils import timezone
    from django_q.models import Schedule

    from integrations.queue import DUE_FLOWS_SCHEDULE

    if seconds < 1 or 60 % seconds:
        raise ValueError(f"a tick of {seconds} s does not divide a minute evenly")
    schedule = Schedule.objects.get(name=DUE_FLOWS_SCHEDULE)  # made by migrate (`ensure_schedules`)
    schedule.schedule_type, schedule.cron, schedule.minutes = Schedule.CRON, f"* * * * * */{seconds}", None
    schedule.next_run = timezone.now()
    schedule.full_clean()
    schedule.save()


class Harness:
    """The sandbox server plus N worker clusters, all on one database (`env["DATABASE_URL"]`)."""

    def __init__(self, *, env: dict, log_dir: Path, port: int, rng: random.Random):
        self.env = env
        self.log_dir = log_dir
        self.port = port
        self.rng = rng
        self.server: Process | None = None
        self.workers: list[Process] = []
        self.retired: list[Process] = []  # killed workers, kept for their logs
        self.started = 0
        self.scheduler: Scheduler | None = None
        self.stopping = False  # a second SIGTERM must not cut the cleanup short

    @property
    def site_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "Harness":
        self._previous_handlers = {
            signum: signal.signal(signum, self._exit_on_signal) for signum in (signal.SIGTERM, signal.SIGHUP)
        }
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            self.stop()
        finally:
            for signum, handler in self._previous_handlers.items():
                signal.signal(signum, handler)

    def _exit_on_signal(self, signum, frame):
        """Unwind through __exit__, which stops every process; once stopping, let it finish."""
        if not self.stopping:
            raise SystemExit(128 + signum)

    # --- the server ---------------------------------------------------------------------------

    def start_server(self) -> None:
        self.server = Process(
            "sandbox server", ["runserver", f"127.0.0.1:{self.port}", "--noreload"], self.env,
            self.log_dir / "server.log",
        )
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if not self.server.alive:
                raise RuntimeError(f"the sandbox server exited:\n{self.server.log_tail()}")
            try:
                if requests.get(f"{self.site_url}/sandbox/faults/centra", timeout=2).ok:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"the sandbox server did not answer within {READY_TIMEOUT_SECONDS:.0f} s")

    # --- the workers --------------------------------------------------------------------------

    def start_worker(self) -> Process:
        self.started += 1
        worker = Process(f"worker {self.started}", ["qcluster"], self.env, self.log_dir / f"worker-{self.started}.log")
        self.workers.append(worker)
        return worker

    def kill_random_worker(self) -> Process:
        """SIGKILL one worker cluster, chosen at random, and start a fresh one in its place."""
        victim = self.rng.choice(self.workers)
        victim.kill()
        self.workers.remove(victim)
        self.retired.append(victim)
        self.start_worker()
        return victim

    def check_workers(self) -> None:
        """A worker that died on its own (not by our hand) is a failure of the run, not noise."""
        for worker in self.workers:
            if not worker.alive:
                raise RuntimeError(f"{worker.name} exited by itself:\n{worker.log_tail()}")

    def worker_logs(self) -> list[Path]:
        return [worker.log_path for worker in [*self.retired, *self.workers]]

    # --- the scheduler --------------------------------------------------------------------------

    def start_scheduler(self, tick_seconds: int) -> None:
        """From now on the flows are run by the scheduler: `run_due_flows` every `tick_seconds`."""
        set_due_flows_tick(tick_seconds)
        self.scheduler = Scheduler()
        self.scheduler.start()

    def stop_scheduler(self) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()
            self.scheduler = None

    # --- stopping -----------------------------------------------------------------------------

    def stop_workers(self) -> None:
        """All at once, sharing one grace period."""
        stopping, self.workers = self.workers, []
        self.retired.extend(stopping)
        for worker in stopping:
            worker.terminate()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for worker in stopping:
            worker.finish(deadline)

    def stop(self) -> None:
        """The scheduler first (no more runs asked for), the workers (they would only hammer a dead
        server), then the server."""
        self.stopping = True
        try:
            self.stop_scheduler()
            self.stop_workers()
        finally:
            if self.server is not None:
                self.server.stop()
