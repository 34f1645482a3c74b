"""Client UUIDs: how a retried create finds what the first attempt made, without telling anyone else it exists.

Every create that takes a client UUID checks the caller's permission first, then asks `replay_of`: the
earlier object comes back only to someone who may see it; to anyone else the answer is the same refusal
they would get for any object they may not touch, so a UUID cannot be used to probe for other people's
work. UUIDs the server makes itself (a draw's visits, a reviewed visit's order) are keyed with the
secret key, so they stay stable for retries but cannot be guessed from the sequential ids they stand for.

Writes that create nothing with a UUID of their own (an answer, a photo, a deletion, a signature, a
submission) are made once through `apply_once`: the write and its receipt (models.ClientWrite) commit in one
transaction, the receipt's UUID is unique, so of two replays racing each other one applies and the other
rolls back and is answered from the receipt.
"""
import hashlib
import hmac
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from webhooks.models import CreateReceipt


def replay_of(visible: QuerySet, client_uuid: uuid.UUID | None, *, refusal: str):
    """The object made earlier with `client_uuid` if the caller may see it (in `visible`); None if there is
    none; PermissionDenied(refusal) if it exists out of the caller's sight."""
    if client_uuid is None:
        return None
    existing = visible.model._default_manager.filter(client_uuid=client_uuid).only("pk").first()
    if existing is None:
        return None
    earlier = visible.filter(pk=existing.pk).first()
    if earlier is None:
        raise PermissionDenied(refusal)
    return earlier


def server_uuid(purpose: str, key: str) -> uuid.UUID:
    """A stable UUID for (purpose, key) that only the holder of SECRET_KEY can compute."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{purpose}:{key}".encode(), hashlib.sha256).digest()
    return uuid.UUID(bytes=digest[:16], version=4)


def apply_once(receipts: QuerySet, client_uuid: uuid.UUID | None, *, refusal: str, apply, record):
    """(receipt, None) if `client_uuid` was applied before; else (None, apply()) with `record(result)` written
    in the same transaction. `receipts` are those the caller may see (others raise PermissionDenied)."""
    if client_uuid is None:
        return None, apply()
    try:
        with transaction.atomic():
            if earlier := replay_of(receipts, client_uuid, refusal=refusal):
                return earlier, None
            result = apply()
            record(result)
            return None, result
    except IntegrityError:  # a twin request committed first: answer as it was answered
        if earlier := replay_of(receipts, client_uuid, refusal=refusal):
            return earlier, None
        raise


def _made_before(kind: str, client_uuid: uuid.UUID, visible: QuerySet, refusal: str):
    receipt = CreateReceipt.objects.filter(client_uuid=client_uuid).first()
    if receipt is None:
        return None
    earlier = visible.filter(pk=receipt.object_id).first() if receipt.kind == kind else None
    if earlier is None:  # made by someone else, or of another kind: the refusal anyone would get
        raise PermissionDenied(refusal)
    return earlier


def create_once(*, kind: str, client_uuid: uuid.UUID | None, user, visible: QuerySet, refusal: str, make):
    """(object, created) for a create whose model has no client UUID column (campaigns, draws): `make()` and its
    receipt (webhooks.models.CreateReceipt) commit together; a replay answers what the first call made, to
    someone who may see it (in `visible`), else PermissionDenied(refusal)."""
    if client_uuid is None:
        return make(), True
    try:
        with transaction.atomic():
            if (earlier := _made_before(kind, client_uuid, visible, refusal)) is not None:
                return earlier, False
            made = make()
            CreateReceipt.objects.create(client_uuid=client_uuid, kind=kind, object_id=made.pk, user=user)
            return made, True
    except IntegrityError:  # a twin request committed first
        if (earlier := _made_before(kind, client_uuid, visible, refusal)) is not None:
            return earlier, False
        raise
