"""Shared set-up for the clue tests: a hotline clue about school A with a named complainant."""
from django.utils import timezone

from inspections.clues.services import clue_register

NAME = "王秘密"
CONTACT = "13912345678"


def hotline_clue(people, tree, ref="GD-2026-0001", school=None, registered_by=None):
    return clue_register(source="hotline", external_ref=ref, received_at=timezone.now(),
                         content="学校违规收取实习费用", school=school or tree.school_a,
                         complainant_name=NAME, complainant_contact=CONTACT,
                         registered_by=registered_by or people.district_inspector)
