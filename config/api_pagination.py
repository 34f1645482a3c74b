"""The one list shape of the API: `{"results": [...], "next": url | null}` (keyset, no OFFSET).

DRF's CursorPagination walks by the ordering key, so deep pages cost the same as the first and rows
inserted between calls are neither skipped nor repeated; it also answers `previous`, which no client of
ours follows, so this drops it (the shape the task list and the ledger already have).
"""
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response


class KeysetPage(CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_paginated_response(self, data):
        return Response({"results": data, "next": self.get_next_link()})

    def get_paginated_response_schema(self, schema):
        return {"type": "object", "required": ["results", "next"], "properties": {
            "results": schema,
            "next": {"type": "string", "format": "uri", "nullable": True,
                     "description": "下一页；最后一页为 null / next page, null on the last"}}}


def page_of(view, queryset, serialize):
    """Paginate `queryset` for an APIView (not a generic view): `serialize(rows)` makes the results."""
    paginator = KeysetPage()
    rows = paginator.paginate_queryset(queryset, view.request, view=view)
    return paginator.get_paginated_response(serialize(rows))
