"""Exactly-once pushes through record links.

`push_once` is the only way a flow creates a document in a target system:

1. the link for (integration, object type, source id) is read; a linked object is never pushed
   again;
2. the link is claimed by the current run with one conditional UPDATE, so of two workers that
   pick up the same record at once, only one pushes (database-level, not a Python check);
3. if an earlier attempt may have written (its claim is still there: it died, or its answer was
   lost), the target is searched by our external reference before anything is created;
4. the target id is stored on the link (after whatever `on_linked` keeps beside it, e.g. an
   invoice's booking); a definite failure releases the claim, an ambiguous one keeps it so the
   next attempt searches first.

A runner reads the links of a whole batch at once (`prefetched`: the records' own and those of
the customers they name), so a record costs no link read of its own, and a link that does not
exist yet is created already claimed by one INSERT. Records
of one run may be pushed by several threads: objects they share (a customer who bought twice)
are pushed under a per-object lock (`_object_lock`), since claims tell runs apart, not threads.
"""

import threading
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .domain.documents import PushResult
from .domain.errors import SyncError
from .models import Integration, RecordLink, SyncRun

# A run that finished can hold no push in flight. One marked abandoned might still be alive (its
# heartbeat only looked stale): its claim is only taken over once older than any push can take.
FINISHED = {SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL, SyncRun.Status.FAILED}


def claim_lease() -> timedelta:
    return timedelta(seconds=settings.CLAIM_LEASE_SECONDS)
AMBIGUOUS = {"write_outcome_unknown", "internal_error"}


class ClaimedElsewhere(SyncError):
    """Another run is pushing this object, or may still be: try again after its lease."""

    def __init__(self, message: str, *, retry_at=None):
        super().__init__("in_progress_elsewhere", message, retry_at=retry_at)


@dataclass(frozen=True)
class Pushed:
    target_id: str
    created: bool = False
    recovered: bool = False  # found in the target instead of created
    answer_lost: bool = False  # ... because our own create went through but its answer was lost
    already_linked: bool = False
    document: dict | None = None


_ABSENT = object()
_prefetched: dict[tuple, object] = {}  # (integration id, object type, source id) -> link or _ABSENT
_batches: Counter = Counter()  # key -> how many running batches read it
_object_locks = [threading.RLock() for _ in range(64)]  # striped: a bounded number, whatever is pushed


def _key(integration, object_type: str, source_id) -> tuple:
    return (getattr(integration, "pk", integration), object_type, str(source_id))


@contextmanager
def prefetched(integration: Integration, wanted: dict[str, list]):
    """Read the links of a batch, `{object type: [source id, ...]}`, in one query for the duration
    of the batch. Each read link is used once by `push_once` (a stale one is harmless: claims are
    compare-and-swap); `remember` replaces one that changed during the batch."""
    groups = {object_type: [str(source_id) for source_id in ids] for object_type, ids in wanted.items() if ids}
    keys = [(_key(integration, object_type, source_id), object_type, source_id)
            for object_type, ids in groups.items() for source_id in ids]
    found = {}
    if keys:
        found = {(link.object_type, link.source_id): link for link in RecordLink.objects.filter(
            integration=integration, object_type__in=list(groups),
            source_id__in={source_id for ids in groups.values() for source_id in ids}).select_related("claimed_by")}
    for key, object_type, source_id in keys:
        _prefetched[key] = found.get((object_type, source_id), _ABSENT)
        _batches[key] += 1
    try:
        yield
    finally:
        for key, _, _ in keys:
            _batches[key] -= 1
            if _batches[key] <= 0:
                del _batches[key]
                _prefetched.pop(key, None)


def linked_source_ids(integration: Integration, object_type: str, source_ids: list[str]) -> set[str]:
    """Of `source_ids`, those whose target object exists (linked), in one query."""
    return set(RecordLink.objects.filter(
        integration=integration, object_type=object_type, source_id__in=[str(i) for i in source_ids],
    ).exclude(target_id="").values_list("source_id", flat=True))


def remember(link: RecordLink) -> None:
    """Keep a link that changed (completed, or what was sent updated) as the one a running batch
    reads, so its later records need no read of their own."""
    key = _key(link.integration_id, link.object_type, link.source_id)
    if _batches[key]:
        _prefetched[key] = link


def get_link(integration: Integration, object_type: str, source_id: str) -> RecordLink | None:
    known = _prefetched.get(_key(integration, object_type, source_id))
    if known is not None:
        return None if known is _ABSENT else known
    return RecordLink.objects.filter(
        integration=integration, object_type=object_type, source_id=str(source_id)
    ).first()


def _object_lock(key: tuple) -> threading.RLock:
    return _object_locks[hash(key) % len(_object_locks)]


def _ensure_link(integration, object_type, source_id, run: SyncRun) -> tuple[RecordLink, bool]:
    """The link, and whether it was just created (already claimed by `run`, in one INSERT)."""
    known = _prefetched.pop(_key(integration, object_type, source_id), None)
    key = {"integration": integration, "object_type": object_type, "source_id": str(source_id)}
    if known is not None and known is not _ABSENT:
        return known, False
    if known is None:
        link = RecordLink.objects.filter(**key).select_related("claimed_by").first()
        if link is not None:
            return link, False
    try:
        if transaction.get_connection().in_atomic_block:  # a failed INSERT must not spoil the caller's
            with transaction.atomic():
                return RecordLink.objects.create(**key, claimed_by=run, claimed_at=timezone.now()), True
        return RecordLink.objects.create(**key, claimed_by=run, claimed_at=timezone.now()), True
    except IntegrityError:  # another worker inserted it between our read and write
        return RecordLink.objects.select_related("claimed_by").get(**key), False


def _claim(link: RecordLink, run: SyncRun) -> bool:
    """Compare-and-swap the claim: only the worker that saw the current claim can replace it."""
    now = timezone.now()
    holder = link.claimed_by
    free = (
        holder is None
        or holder.pk == run.pk
        or holder.status in FINISHED
        or (link.claimed_at is not None and link.claimed_at < now - claim_lease())
    )
    if not free:
        return False
    unchanged = Q(claimed_by__isnull=True) if holder is None else Q(claimed_by=holder)
    unchanged &= Q(claimed_at__isnull=True) if link.claimed_at is None else Q(claimed_at=link.claimed_at)
    return RecordLink.objects.filter(unchanged, pk=link.pk, target_id="").update(claimed_by=run, claimed_at=now) == 1


def complete(link: RecordLink, target_id: str, fingerprint: str = "") -> None:
    now = timezone.now()
    RecordLink.objects.filter(pk=link.pk).update(
        target_id=str(target_id), fingerprint=fingerprint, claimed_by=None, claimed_at=None, updated_at=now,
    )
    link.target_id, link.fingerprint, link.claimed_by, link.claimed_at, link.updated_at = (
        str(target_id), fingerprint, None, None, now)
    remember(link)


def _link(link: RecordLink, target_id: str, fingerprint: str, on_linked) -> None:
    """Keep what belongs with the link, then complete it: if keeping fails or the process dies in
    between, the claim stays and the next attempt finds the document by reference instead of
    creating it again (and keeps it anew: `on_linked` must be an upsert). No transaction needed."""
    if on_linked is not None:
        on_linked(link)
    complete(link, target_id, fingerprint)


def release(link: RecordLink) -> None:
    RecordLink.objects.filter(pk=link.pk).update(claimed_by=None, claimed_at=None)


def end_leases(run: SyncRun) -> int:
    """End the lease of every claim `run` still holds, for a run that stopped itself after being
    taken for dead: it has no push in flight any more, so the run that resumed its work need not
    wait out CLAIM_LEASE_SECONDS. The claims stay on their links, so a push it may have made is
    searched for before it is made again."""
    return RecordLink.objects.filter(claimed_by=run, target_id="").update(claimed_at=timezone.now() - claim_lease())


def push_once(
    *,
    integration: Integration,
    run: SyncRun,
    object_type: str,
    source_id: str,
    create: Callable[[], PushResult],
    find: Callable[[], str | None],
    fingerprint: str = "",
    always_find: bool = False,
    on_linked: Callable[[RecordLink], None] | None = None,
) -> Pushed:
    """Create the target object for a source object at most once (see module docstring)."""
    with _object_lock(_key(integration, object_type, source_id)):
        return _push_once(integration, run, object_type, source_id, create, find, fingerprint, always_find, on_linked)


def _push_once(integration, run, object_type, source_id, create, find, fingerprint, always_find, on_linked) -> Pushed:
    link, created = _ensure_link(integration, object_type, source_id, run)
    if link.is_linked:
        return Pushed(link.target_id, already_linked=True)
    earlier_attempt = link.claimed_by_id is not None and link.claimed_by_id != run.pk
    if not created and not _claim(link, run):
        link.refresh_from_db()
        if link.is_linked:
            return Pushed(link.target_id, already_linked=True)
        expires = (link.claimed_at or timezone.now()) + claim_lease()
        raise ClaimedElsewhere(f"{object_type} {source_id} is being pushed by run {link.claimed_by_id}",
                               retry_at=expires)
    try:
        if always_find or earlier_attempt:
            found = find()
            if found:
                _link(link, found, fingerprint, on_linked)
                return Pushed(str(found), recovered=True)
        result = create()
    except SyncError as exc:
        if exc.code == "write_outcome_unknown":
            found = find()  # the write may have landed: look before anyone creates it again
            if found:
                _link(link, found, fingerprint, on_linked)
                return Pushed(str(found), recovered=True, answer_lost=True)
        if exc.code not in AMBIGUOUS:
            release(link)
        raise
    _link(link, result.target_id, fingerprint, on_linked)
    return Pushed(result.target_id, created=True, document=result.document)
