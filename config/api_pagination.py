"""The one list shape of the API: `{"results": [...], "next": url | null}` (keyset, no OFFSET).

DRF's CursorPagination walks by the ordering key, so deep pages cost the same as the first and rows
inserted between calls are neither skipped nor repeated; it also answers `previous`, which no client of
ours follows, so this drops it (the shape the task list and the ledger already have).
"""
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response


class KeysetPage(CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request):
        # A bad query parameter is bad input (400, as the ledger answers), not a missing page (DRF's 404).
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError({self.cursor_query_param: ["无效的游标 / invalid cursor"]}) from None

    def get_paginated_response(self, data):
        return Response({"results": data, "next": self.get_next_link()})

    def get_paginated_response_schema(self, schema):
        return {"type": "object", "required": ["results", "next"], "properties": {
            "results": schema,
            "next": {"type": "string", "format": "uri", "nullable": True,
                     "description": "下一页；最后一页为 null / next page, null on the last"}}}


def page_of(view, queryset, serialize):
    """Paginate `queryset` for an APIView (not a generic view) by its `pagination_class`, which also tells
    the schema the page shape: `serialize(rows)` makes the results."""
    paginator = view.pagination_class()
    rows = paginator.paginate_queryset(queryset, view.request, view=view)
    return paginator.get_paginated_response(serialize(rows))
