"""Names stored in two languages (organisations, checklist titles): the reader's, where one is stored."""
from django.utils.translation import get_language


def in_language(obj, field: str) -> str:
    """`obj.<field>_en` when the reader reads English and it is filled in, else the Chinese `obj.<field>`."""
    if (get_language() or "").startswith("en"):
        return getattr(obj, f"{field}_en", "") or getattr(obj, field)
    return getattr(obj, field)
