"""The demo province in one call: the Jinan tree and users, the standard checklist, demo visits, a few
months of work played through the services, and the Jinan action plan.

Its own package because it composes every app: each app keeps its own demo data (organizations.demo,
inspections.visits.demo, inspections.demo_story, programmes.demo) and none of them imports another's.
"""
import json

from django.db import transaction

from inspections.checklists.services import checklist_load_standard
from inspections.demo_story import load_demo_story
from inspections.visits.demo import load_demo_visits
from organizations.demo import DEMO_USERS, JINAN_TREE, STORY_USERS, load_tree, upsert_user
from organizations.services import membership_grant
from programmes.demo import load_demo_programmes


@transaction.atomic
def load_demo() -> None:
    orgs = load_tree(json.loads(JINAN_TREE.read_text(encoding="utf-8")))
    checklist_load_standard()
    upsert_user("admin", "系统管理员", staff=True, superuser=True)
    # Role admins are not Django staff: /admin/ is the operator's, they use the app's own screens.
    for username, display, code, role in DEMO_USERS:
        membership_grant(user=upsert_user(username, display), organization=orgs[code], role=role)
    for username, display, code, role in STORY_USERS:
        membership_grant(user=upsert_user(username, display, login=False), organization=orgs[code], role=role)
    load_demo_visits()
    load_demo_story()  # a few months of work, played once through the services
    load_demo_programmes(orgs)  # the Jinan action plan, its task list and responsible units
