"""What makes the OpenAPI schema true and its names stable.

- `UploadField` / `uploads()`: a multipart file is `format: binary` (DRF's FileField renders as a `uri`
  string, which told generated clients to send a URL instead of the file).
- `ReadableAutoSchema`: operation ids `<resource>_<verb>` from the path (`orders_list`, `orders_get`,
  `orders_create`, `orders_sign`, `visits_findings_delete`), the same on every run, instead of
  drf-spectacular's `v1_orders_sign_create`; an explicit `extend_schema(operation_id=...)` still wins.
"""
import re

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@extend_schema_field(OpenApiTypes.BINARY)
class UploadField(serializers.FileField):
    pass


def uploads(**kwargs) -> serializers.ListField:
    return serializers.ListField(child=UploadField(), **kwargs)


class ReadableAutoSchema(AutoSchema):
    def get_operation_id(self):
        # A resource addressed by a client UUID as well as by id gets its own names ("..._by_uuid_...").
        segments = [("by_uuid" if seg.endswith("uuid}") else "") if seg.startswith("{") else seg
                    for seg in self.path.removeprefix("/api/v1/").split("/")]
        words = [w for seg in segments if seg for w in re.split(r"[-]+|_(?!uuid)", seg) if w]
        ends_in_id = self.path.rstrip("/").endswith("}")
        verb = {"GET": "get" if ends_in_id else "list", "DELETE": "delete", "PUT": "update",
                "PATCH": "partial_update"}.get(self.method)
        if verb is None:  # POST: a create on a collection (it answers 201), else the action's own name
            verb = "create" if self._answers_created() else None
        return "_".join(words + ([verb] if verb else []))

    def _answers_created(self) -> bool:
        responses = self.get_response_serializers()  # extend_schema(responses=...) as given
        return isinstance(responses, dict) and (201 in responses or "201" in responses)
