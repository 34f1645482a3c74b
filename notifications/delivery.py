"""Channels beyond the browser: e-mail and WeCom/DingTalk group robots.

Both hang off `notify`: webhook deliveries are written in the caller's
transaction (an outbox, so a committed event is never lost and a rolled-back
one never sent), and everything leaves only after commit, on a background
thread, so a slow or broken receiver never blocks or rolls back a workflow.
A failed webhook is retried with exponential back-off by
`deliver_due_webhooks()`, which the timer scheduler calls.
"""
import datetime as dt
import json
import logging
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone

from .models import Notification, NotificationPreference, OrganizationWebhook, WebhookDelivery

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(hours=2)
CLAIM_LEASE = dt.timedelta(minutes=2)
HTTP_TIMEOUT = 5

_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="dudao-delivery")


def in_background(fn, *args) -> None:
    """Run `fn(*args)` off the request thread (setting NOTIFICATIONS_BACKGROUND=False runs it inline)."""
    if getattr(settings, "NOTIFICATIONS_BACKGROUND", True):
        _executor.submit(_guarded, fn, *args, own_connection=True)
    else:
        _guarded(fn, *args, own_connection=False)


def _guarded(fn, *args, own_connection: bool) -> None:
    try:
        fn(*args)
    except Exception:  # a delivery channel must never take the caller down
        log.exception("notification delivery %s failed", getattr(fn, "__name__", fn))
    finally:
        if own_connection:
            connection.close()


def absolute(link: str) -> str:
    base = getattr(settings, "DUDAO_BASE_URL", "") or ""
    return f"{base.rstrip('/')}{link}" if link.startswith("/") and base else link


# --- e-mail ---------------------------------------------------------------------

def wants_email(user) -> bool:
    pref = NotificationPreference.objects.filter(user=user).first()
    return bool(user.email) and (pref is None or pref.email_enabled)


def send_emails(ids: list[int]) -> int:
    """Send the pending mails among `ids`: one per notification, to a recipient who has not opted out.

    Rows are claimed under a lock (skipped if another sender holds them) and marked in the same
    transaction, so the after-commit thread and the scheduler's sweep never send one twice; a
    process killed mid-send leaves them pending, and the sweep sends them (at least once).
    """
    sent = 0
    with transaction.atomic():
        notes = (Notification.objects.select_for_update(skip_locked=True, of=("self",))
                 .filter(pk__in=ids, email=Notification.Email.PENDING).select_related("recipient").order_by("id"))
        for note in notes:
            if not wants_email(note.recipient):
                note.email = Notification.Email.SKIPPED
            elif _mail(note):
                note.email, sent = Notification.Email.SENT, sent + 1
            else:
                continue  # stays pending: the next sweep tries again
            note.save(update_fields=["email"])
    return sent


def _mail(note: Notification) -> bool:
    text = "\n\n".join(part for part in (note.body, absolute(note.link)) if part)
    try:
        return bool(send_mail(f"[督导] {note.title}", text or note.title, None, [note.recipient.email],
                              fail_silently=False))
    except Exception:  # one refused address or a mail server hiccup must not hold back the others
        log.exception("mail for notification %s failed", note.pk)
        return False


MAIL_GRACE = dt.timedelta(minutes=1)  # the after-commit thread's turn before the scheduler steps in


def send_due_emails(now=None, limit: int = 200) -> int:
    """The scheduler's sweep: mails still pending a minute after their row was stored."""
    now = now or timezone.now()
    due = list(Notification.objects.filter(email=Notification.Email.PENDING, created_at__lte=now - MAIL_GRACE)
               .order_by("id").values_list("pk", flat=True)[:limit])
    return send_emails(due) if due else 0


# --- webhooks -------------------------------------------------------------------

def robot_payload(webhook: OrganizationWebhook, *, title: str, body: str, link: str) -> dict:
    """The JSON a WeCom / DingTalk group robot accepts (text, or markdown when chosen)."""
    url = absolute(link)
    if not webhook.markdown:
        return {"msgtype": "text", "text": {"content": "\n".join(p for p in (title, body, url) if p)}}
    text = f"**{title}**" + (f"\n\n{body}" if body else "") + (f"\n\n[查看]({url})" if url else "")
    if webhook.kind == OrganizationWebhook.Kind.DINGTALK:
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    return {"msgtype": "markdown", "markdown": {"content": text}}


def queue_webhooks(*, recipients: list, title: str, body: str, link: str) -> list[int]:
    """Outbox rows for the robots of the organisations the recipients belong to (one per robot)."""
    hooks = OrganizationWebhook.objects.filter(
        active=True, organization__memberships__user__in=[u.pk for u in recipients],
    ).distinct()
    now = timezone.now()
    rows = WebhookDelivery.objects.bulk_create([
        WebhookDelivery(webhook=h, payload=robot_payload(h, title=title, body=body, link=link), next_attempt_at=now)
        for h in hooks
    ])
    return [r.pk for r in rows]


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, … doubling after each failed attempt, at most two hours."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def post_json(url: str, payload: dict) -> None:
    """POST to a robot; both WeCom and DingTalk answer {"errcode": 0} on success."""
    request = urllib.request.Request(url, data=json.dumps(payload, ensure_ascii=False).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:  # noqa: S310 - http(s) only, validated URL
        answer = response.read(4096)
    try:
        errcode = json.loads(answer or b"{}").get("errcode", 0)
    except (ValueError, AttributeError):
        errcode = 0
    if errcode:
        raise RuntimeError(f"robot answered errcode {errcode}: {answer[:200]!r}")


def _claim(delivery, now) -> bool:
    """Take a due delivery for this worker; another scheduler process cannot take it too."""
    return bool(type(delivery)._default_manager.filter(
        pk=delivery.pk, status=WebhookDelivery.Status.PENDING, next_attempt_at=delivery.next_attempt_at,
    ).update(next_attempt_at=now + CLAIM_LEASE))


def post_to_robot(delivery: WebhookDelivery) -> None:
    post_json(delivery.webhook.url, delivery.payload)


def attempt(delivery, now=None, *, send=post_to_robot) -> bool:
    """One try of an outbox row: claimed, sent by `send(delivery)` (raises on failure), marked, or backed off.

    Any outbox model with the fields of WebhookDelivery (status with its values, attempts, next_attempt_at,
    last_error, sent_at) rides on this: the integrators' signed webhooks (webhooks/) send their own way.
    """
    now = now or timezone.now()
    if not _claim(delivery, now):
        return False
    delivery.attempts += 1
    try:
        send(delivery)
    except Exception as exc:  # any failure of the receiver is retried later
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        failed = delivery.attempts >= MAX_ATTEMPTS
        delivery.status = WebhookDelivery.Status.FAILED if failed else WebhookDelivery.Status.PENDING
        delivery.next_attempt_at = now + backoff(delivery.attempts)
        log.warning("webhook delivery %s attempt %s failed%s: %s", delivery.pk, delivery.attempts,
                    " (giving up)" if failed else "", delivery.last_error)
        delivery.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
        return False
    delivery.status, delivery.sent_at, delivery.last_error = WebhookDelivery.Status.SENT, timezone.now(), ""
    delivery.save(update_fields=["attempts", "status", "sent_at", "last_error"])
    log.info("webhook delivery %s sent after %s attempt(s)", delivery.pk, delivery.attempts)
    return True


def deliver_webhooks(ids: list[int]) -> int:
    """The first try of freshly committed deliveries."""
    rows = WebhookDelivery.objects.select_related("webhook").filter(pk__in=ids, status=WebhookDelivery.Status.PENDING)
    return sum(attempt(d) for d in rows)


def deliver_due_webhooks(now=None, limit: int = 200) -> int:
    """Retry every pending delivery whose back-off has passed; returns how many went out."""
    now = now or timezone.now()
    due = WebhookDelivery.objects.select_related("webhook").filter(
        status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now, webhook__active=True,
    ).order_by("next_attempt_at", "id")[:limit]
    return sum(attempt(d, now) for d in list(due))
