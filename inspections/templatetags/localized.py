from django import template

from inspections.language import in_language

register = template.Library()


@register.filter
def localized(obj, field: str = "title") -> str:
    """{{ item|localized }}: the item's title in the reader's language (English where stored)."""
    return in_language(obj, field) if obj is not None else ""
