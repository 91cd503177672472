"""The threads of a run: pushes in parallel (`PushPool`) and the source read one batch ahead
(`ReadAhead`), so a tenant's rate-limit window keeps filling while the ERP answers slowly, while
a batch is written to the sync log and while the next page is read."""

import contextlib
import queue
import threading
from collections.abc import Callable, Iterable, Iterator

from django.db import connection


class Pushing:
    """One batch handed to the pool: `wait` returns its records' results once each is done."""

    def __init__(self, count: int):
        self.results: list = []
        self._left = count
        self._done = threading.Condition()

    def finished_one(self, result=None, *, has_result: bool = False) -> None:
        with self._done:
            if has_result:
                self.results.append(result)
            self._left -= 1
            self._done.notify_all()

    def wait(self) -> list:
        with self._done:
            self._done.wait_for(lambda: self._left == 0)
        return self.results


class PushPool:
    """A few threads that push the records of a run, each on its own database connection.

    `submit` hands out a batch and returns at once, so the next batch can follow it into the queue
    before this one's last records are done; the threads take records in the order handed out.
    The first exception a record raises (an access refusal, an abandoned run) stops the records
    not yet started, of every batch; `raise_failure` raises it again in the caller's thread.
    """

    def __init__(self, workers: int):
        self.tasks: queue.Queue = queue.Queue()
        self.failures: list[BaseException] = []
        self.threads = [threading.Thread(target=self._work, name=f"push-{n}", daemon=True) for n in range(workers)]
        for thread in self.threads:
            thread.start()

    def _work(self) -> None:
        try:
            while (task := self.tasks.get()) is not None:
                task()
        finally:
            connection.close()  # this thread's own connection

    def submit(self, function: Callable, items: Iterable) -> Pushing:
        items = list(items)
        pushing = Pushing(len(items))

        def task(item):
            result, has_result = None, False
            try:
                if not self.failures:  # else dropped: the run stops at the failure
                    result, has_result = function(item), True
            except Exception as exc:  # noqa: BLE001 - raised again in the caller's thread (`raise_failure`)
                self.failures.append(exc)
            finally:  # counted whatever happened, or `Pushing.wait` would wait for it forever
                pushing.finished_one(result, has_result=has_result)

        for item in items:
            self.tasks.put(lambda item=item: task(item))
        return pushing

    def raise_failure(self) -> None:
        if self.failures:
            raise self.failures[0]

    def shutdown(self) -> None:
        for _ in self.threads:
            self.tasks.put(None)
        for thread in self.threads:
            thread.join()


class ReadAhead:
    """Iterate `batches` one batch ahead on a thread of its own, so the next page of the source is
    read while this one is pushed (the ERP's window keeps filling). Exceptions come out in order."""

    DONE = object()

    def __init__(self, batches: Iterator):
        self.ready: queue.Queue = queue.Queue(maxsize=1)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._read, args=(batches,), name="read-ahead", daemon=True)
        self.thread.start()

    def _read(self, batches: Iterator) -> None:
        try:
            for batch in batches:
                if self.stop.is_set():
                    return
                self.ready.put((batch, None))
            self.ready.put((self.DONE, None))
        except Exception as exc:  # noqa: BLE001 - raised again in the reading thread
            self.ready.put((None, exc))
        finally:
            connection.close()

    def __iter__(self):
        try:
            while True:
                batch, error = self.ready.get()
                if error is not None:
                    raise error
                if batch is self.DONE:
                    return
                yield batch
        finally:
            self.stop.set()
            while self.thread.is_alive():  # unblock a reader waiting to hand over its next batch
                with contextlib.suppress(queue.Empty):
                    self.ready.get(timeout=0.1)
            self.thread.join()
