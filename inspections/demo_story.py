"""A few months of work in the demo province, played through the real services on a moved clock.

`load_demo_story()` replays storylines (inspections.demo_storylines): each is a
generator that yields the moment of its next step and then performs that step
through the ordinary service functions (visits, orders, clues, draws), so every
flow, audit event, deadline, timer and notification is the one a real user
would have caused. A scheduler line sweeps the timers each morning, as
`run_timers` would have, so reminders, overdue marks and escalations happen on
the days they fall due (working days, Chinese official calendar).

Idempotent: the story is played once; its first order's client UUID marks it.
"""
import base64
import datetime as dt
import heapq
import io
import itertools
import sys
from functools import cached_property

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from PIL import Image, ImageDraw
from viewflow.workflow.timers import fire_due_timers

from organizations.models import Organization
from workflows.calendar import SHANGHAI, working_days_before
from workflows.management.commands.run_timers import sweep

from inspections.demo_storylines import FIRST_WD, MARK_KEY, mark_notifications_read, story_uuid, storylines
from inspections.orders.models import RectificationOrder

# Client UUIDs of the story's orders, visits and reports are uuid5 names in this namespace.
def story_played() -> bool:
    return RectificationOrder.objects.filter(client_uuid=story_uuid(MARK_KEY)).exists()


class MovedClock:
    """Sets `now` for Django, the services and viewflow alike.

    viewflow's nodes import `now` by name (`from django.utils.timezone import now`), so
    patching django.utils.timezone alone would stamp tasks with the real time; every
    loaded module holding that very function is patched and restored on exit.
    """

    def __init__(self):
        self.moment = None

    def _now(self):
        return self.moment

    def __enter__(self):
        real = timezone.now
        for module in [m for m in list(sys.modules.values()) if getattr(m, "__dict__", {}).get("now") is real]:
            module.now = self._now
        self._real = real
        return self

    def __exit__(self, *exc):
        # Modules first imported during the story bound the moved `now` by name; they get the real one too.
        for module in list(sys.modules.values()):
            if getattr(module, "__dict__", {}).get("now") == self._now:
                module.now = self._real


def _signature_url() -> str:
    """A small drawn PNG: the school representative's signature on the tablet."""
    img = Image.new("RGBA", (240, 90), (0, 0, 0, 0))
    ImageDraw.Draw(img).line([(20, 60), (80, 25), (130, 65), (210, 30)], fill=(20, 20, 90, 255), width=4)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


class Story:
    """What the storylines share: the real 'today', people, schools and moments counted in working days."""

    def __init__(self, real_now: dt.datetime):
        self.real_now = real_now
        self.today = real_now.astimezone(SHANGHAI).date()
        self.signature = _signature_url()
        self._users = {u.username: u for u in get_user_model().objects.all()}
        self._days = {}

    def u(self, username: str):
        return self._users[username]

    @cached_property
    def orgs(self) -> dict:
        return {o.code: o for o in Organization.objects.all()}

    def day(self, wd: int) -> dt.date:
        """`wd` working days before today (0 = today); remembered, as every step asks."""
        if wd not in self._days:
            self._days[wd] = working_days_before(self.today, wd) if wd > 0 else self.today
        return self._days[wd]

    def at(self, wd: int, hour: int = 10, minute: int = 0) -> dt.datetime:
        """A moment `wd` working days ago; never later than the real now (today's steps happen already)."""
        moment = dt.datetime.combine(self.day(wd), dt.time(hour, minute), tzinfo=SHANGHAI)
        return min(moment, self.real_now - dt.timedelta(minutes=30))


def _advance(heap, seq, line) -> None:
    """Run the line up to its next yield (its step) and queue it at the moment it yields."""
    try:
        heapq.heappush(heap, (next(line), next(seq), line))
    except StopIteration:
        pass


def play(lines, clock: MovedClock) -> None:
    """Merge the storylines into one timeline and run each step at its moment, earliest first."""
    heap, seq = [], itertools.count()
    for line in lines:
        _advance(heap, seq, line)
    while heap:
        moment, _, line = heapq.heappop(heap)
        clock.moment = moment
        _advance(heap, seq, line)


# When the replayed scheduler sweeps each day: just after midnight (deadlines end 23:59:59, their timers
# fire a second later) and just after nine (the reminders' hour), so timers fire when they fall due.
SWEEP_TIMES = (dt.time(0, 1), dt.time(9, 1))


def scheduler_line(story: Story, first_wd: int):
    """Twice a day since the story began, fire the workflow timers that fell due.

    The timer part of run_timers' sweep (viewflow's own dispatcher); the mail and robot outboxes
    have nothing to send during the replay (demo users have no addresses), the final sweep runs them.
    """
    day = story.day(first_wd)
    while day <= story.today:
        for at in SWEEP_TIMES:
            moment = dt.datetime.combine(day, at, tzinfo=SHANGHAI)
            if moment < story.real_now:  # the rest of today is the final sweep's, at the real now
                yield moment
                fire_due_timers()
        day += dt.timedelta(days=1)


@transaction.atomic
def load_demo_story() -> bool:
    """Play the story once; False when it was already there."""
    if story_played():
        return False
    story = Story(timezone.now())
    with MovedClock() as clock:
        play([scheduler_line(story, FIRST_WD), *storylines(story)], clock)
    sweep()  # at the real now: whatever fell due since this morning's sweep
    mark_notifications_read(story)
    return True
