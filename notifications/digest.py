"""The daily digest: per user, what falls due in the next 3 working days and what is overdue.

Orders are those the user can see (organizations.policy); a digest goes out
once per user per day (DailyDigest row), as one notification plus its e-mail.
"""
import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.conf import settings
from django.utils.translation import gettext_noop, override

from inspections.models import RectificationOrder
from inspections.orders.models import SCHOOLS_TURN
from organizations import policy
from workflows.calendar import SHANGHAI, due_after

from .models import TRANSLATED, DailyDigest, NotificationPreference, render
from .services import notify

DIGEST_KIND = "digest"
HORIZON_WORKING_DAYS = 3
LISTED = 20


@dataclass
class Digest:
    day: dt.date
    due_soon: list = field(default_factory=list)
    overdue: list = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.due_soon or self.overdue)


def build_digest(user, today: dt.date) -> Digest:
    """Orders visible to `user` waiting on the school: due from today to the 3rd working day ahead,
    and overdue (the one meaning: inspections.orders.models.overdue_q) as the day starts."""
    start_of_day = dt.datetime.combine(today, dt.time.min, tzinfo=SHANGHAI)
    horizon = due_after(today, HORIZON_WORKING_DAYS).due_at
    orders = (RectificationOrder.objects.filter(school__in=policy.visible_schools(user), status__in=SCHOOLS_TURN)
              .select_related("deadline", "school").order_by("deadline__due_at", "id"))
    return Digest(
        day=today,
        due_soon=list(orders.filter(deadline__due_at__gte=start_of_day, deadline__due_at__lte=horizon)),
        overdue=list(orders.overdue(now=start_of_day)),
    )


T_TITLE = gettext_noop("每日汇总：%(soon)s 件即将到期，%(late)s 件已逾期")


def digest_message(digest: Digest) -> tuple[str, str, dict]:
    """Title template, body template and parameters: each reader sees the digest in their own language."""
    params, body, translated = {"soon": len(digest.due_soon), "late": len(digest.overdue)}, [], []
    for key, heading, orders in (("h_soon", gettext_noop("即将到期"), digest.due_soon),
                                 ("h_late", gettext_noop("已逾期"), digest.overdue)):
        if orders:
            params[key], params[f"{key}_lines"] = heading, "\n".join(
                f"· {o.number} {o.school.name} {o.deadline.due_at.astimezone(SHANGHAI):%Y-%m-%d}"
                for o in orders[:LISTED])
            body.append(f"%({key})s\n%({key}_lines)s")
            translated.append(key)
    params[TRANSLATED] = translated
    return T_TITLE, "\n".join(body), params


def wants_digest(user) -> bool:
    pref = NotificationPreference.objects.filter(user=user).first()
    return pref is None or pref.digest_enabled


def send_digest(user, today: dt.date) -> bool:
    """Send today's digest once; False when already sent, empty, or opted out."""
    if not wants_digest(user) or DailyDigest.objects.filter(user=user, day=today).exists():
        return False
    digest = build_digest(user, today)
    if digest.empty:
        return False
    template, body_template, params = digest_message(digest)
    with override(settings.LANGUAGE_CODE):
        title, body = render(template, params, ""), render(body_template, params, "")
    try:
        with transaction.atomic():
            record = DailyDigest.objects.create(user=user, day=today)  # the unique row makes re-runs harmless
            note = notify(kind=DIGEST_KIND, recipients=[user], title=title, body=body, template=template,
                          body_template=body_template, params=params, link="/notifications/", robots=False)[0]
            record.notification = note
            record.save(update_fields=["notification"])
    except IntegrityError:  # another scheduler sent it a moment ago
        return False
    return True


def send_digests(today: dt.date) -> int:
    users = get_user_model().objects.filter(is_active=True, memberships__isnull=False).distinct().order_by("pk")
    return sum(send_digest(user, today) for user in users)


DIGEST_HOUR = 7  # local time from which the day's digest goes out


def send_digests_if_due(now=None) -> int:
    """For the scheduler's every sweep: the day's digests once, from 07:00 Shanghai time on.

    The cache marks a finished day so later sweeps cost one lookup; DailyDigest
    rows keep it exactly-once even when the cache is cold or shared by none.
    """
    from django.core.cache import cache
    from django.utils import timezone

    local = (now or timezone.now()).astimezone(SHANGHAI)
    key = f"dudao:digests-done:{local.date().isoformat()}"
    if local.hour < DIGEST_HOUR or cache.get(key):
        return 0
    sent = send_digests(local.date())
    cache.set(key, True, 26 * 3600)
    return sent
