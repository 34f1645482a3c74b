"""A staff registration of a clue made once: a retry of the same (source, external_ref) by the person who
registered it answers with that clue instead of the duplicate refusal.

The clue has no client UUID of its own; its source's ticket number is the key a retrying client already
holds (the same key the hotline intake replays on, inspections.clues.services.clue_intake). Anyone else asking with a
ticket number already registered keeps the refusal, so a number cannot be used to find other people's clues.
"""
from inspections.clues import services
from inspections.conflicts import ClueConflict
from inspections.clues.models import Clue


def clue_register_once(*, source: str, external_ref: str = "", registered_by, **fields) -> tuple[Clue, bool]:
    """(clue, created): `clues.clue_register`, or the caller's own earlier clue under the same ticket."""
    try:
        return services.clue_register(source=source, external_ref=external_ref, registered_by=registered_by,
                                      **fields), True
    except ClueConflict:
        earlier = Clue.objects.filter(source=source, external_ref=(external_ref or "").strip(),
                                      registered_by=registered_by, intake_key=None).first()
        if earlier is None or not (external_ref or "").strip():
            raise
        return earlier, False
