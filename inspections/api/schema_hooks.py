"""drf-spectacular postprocessing hooks: what a generated client and schemathesis' stateful phase need.

- `one_media_type`: each request body is documented in one media type: `multipart/form-data` where it
  carries files, else `application/json`. drf-spectacular lists every parser (JSON, form, multipart) with
  the same model, and openapi-python-client then emitted `body: Plan | Plan | Plan | Unset` (a name it never
  imported) that sent every body as multipart, nested lists lost. The server still accepts forms.
- `declare_error_bodies`: an error answer whose entry has only a description gets the `ApiError` body
  (security.schema), so every response shape is declared and clients parse 400/403/404/409 as well.
- `add_links`: OpenAPI links from a create (or a read) to the calls that follow it, taking the new id from
  the answer: the chains visit → findings → sign/submit/review, order → sign/report/recheck/approve, clue →
  triage/verify/reply/close, campaign → draw → publish/redraw, webhook → read/deliveries/rotate. Schemathesis'
  stateful phase walks them.
"""
ERROR_CODES = ("400", "401", "403", "404", "409")
ID = "$response.body#/id"

FIRST = "$response.body#/results/0/id"  # a list's first row: the way in when a create's data is refused

# (operation, status) → {link name: (target operation, {parameter: runtime expression})}
LINKS = {
    ("visits_list", "200"): {
        "GetVisit": ("visits_get", {"id": FIRST}), "CheckIn": ("visits_check_in", {"id": FIRST}),
        "AnswerItem": ("visits_results", {"id": FIRST}), "RecordFinding": ("visits_findings_create", {"id": FIRST}),
        "Sign": ("visits_sign", {"id": FIRST}), "Submit": ("visits_submit", {"id": FIRST}),
        "Review": ("visits_review", {"id": FIRST}),
    },
    ("orders_list", "200"): {
        "GetOrder": ("orders_get", {"id": FIRST}), "Sign": ("orders_sign", {"id": FIRST}),
        "Report": ("orders_report", {"id": FIRST}), "Recheck": ("orders_recheck", {"id": FIRST}),
        "Approve": ("orders_approve", {"id": FIRST}), "RequestExtension": ("orders_extension_create", {"id": FIRST}),
    },
    ("ledger_list", "200"): {"GetOrder": ("orders_get", {"id": FIRST})},
    ("tasks_list", "200"): {"GetOrder": ("orders_get", {"id": "$response.body#/results/0/order"})},
    ("clues_list", "200"): {
        "GetClue": ("clues_get", {"id": FIRST}), "Triage": ("clues_triage", {"id": FIRST}),
        "VerifyDesk": ("clues_verify_desk", {"id": FIRST}), "VerifyVisit": ("clues_verify_visit", {"id": FIRST}),
        "Reply": ("clues_reply", {"id": FIRST}), "Close": ("clues_close", {"id": FIRST}),
    },
    ("campaigns_list", "200"): {
        "GetCampaign": ("campaigns_get", {"id": FIRST}), "Draw": ("campaigns_draws_create", {"id": FIRST}),
        "PublishResults": ("campaigns_results_publish", {"id": FIRST}),
    },
    ("campaigns_get", "200"): {
        "GetDraw": ("draws_get", {"id": "$response.body#/draws/0/id"}),
        "Draw": ("campaigns_draws_create", {"id": ID}),
    },
    ("organizations_list", "200"): {"GetOrganization": ("organizations_get", {"id": FIRST})},
    ("schools_list", "200"): {
        "GetSchool": ("schools_get", {"id": FIRST}), "SchoolScores": ("stats_schools_get", {"id": FIRST}),
        "TeamCandidates": ("visits_team_candidates_list", {"school": FIRST}),
    },
    ("visits_create", "201"): {
        "GetVisit": ("visits_get", {"id": ID}), "CheckIn": ("visits_check_in", {"id": ID}),
        "AnswerItem": ("visits_results", {"id": ID}), "RecordFinding": ("visits_findings_create", {"id": ID}),
    },
    ("visits_get", "200"): {
        "CheckIn": ("visits_check_in", {"id": ID}), "RecordFinding": ("visits_findings_create", {"id": ID}),
        "GetFinding": ("visits_findings_get", {"id": ID, "finding_pk": "$response.body#/findings/0/id"}),
        "Sign": ("visits_sign", {"id": ID}), "Submit": ("visits_submit", {"id": ID}),
        "Review": ("visits_review", {"id": ID}),
    },
    ("visits_findings_create", "201"): {
        "GetFinding": ("visits_findings_get", {"id": "$request.path.id", "finding_pk": ID}),
        "AddPhotos": ("visits_findings_photos", {"id": "$request.path.id", "finding_pk": ID}),
        "DeleteFinding": ("visits_findings_delete", {"id": "$request.path.id", "finding_pk": ID}),
    },
    ("orders_create", "201"): {
        "GetOrder": ("orders_get", {"id": ID}), "Sign": ("orders_sign", {"id": ID}),
    },
    ("orders_get", "200"): {
        "Sign": ("orders_sign", {"id": ID}), "Report": ("orders_report", {"id": ID}),
        "Recheck": ("orders_recheck", {"id": ID}), "Approve": ("orders_approve", {"id": ID}),
        "RequestExtension": ("orders_extension_create", {"id": ID}),
    },
    ("orders_sign", "200"): {"Report": ("orders_report", {"id": ID}), "GetOrder": ("orders_get", {"id": ID})},
    ("orders_report", "200"): {"Approve": ("orders_approve", {"id": ID}), "GetOrder": ("orders_get", {"id": ID})},
    ("orders_recheck", "200"): {"Approve": ("orders_approve", {"id": ID}), "GetOrder": ("orders_get", {"id": ID})},
    ("clues_register", "201"): {
        "GetClue": ("clues_get", {"id": ID}), "Triage": ("clues_triage", {"id": ID}),
    },
    ("clues_triage", "200"): {
        "VerifyDesk": ("clues_verify_desk", {"id": ID}), "VerifyVisit": ("clues_verify_visit", {"id": ID}),
    },
    ("clues_verify_desk", "200"): {"Reply": ("clues_reply", {"id": ID})},
    ("clues_reply", "200"): {"Close": ("clues_close", {"id": ID})},
    ("campaigns_create", "201"): {
        "GetCampaign": ("campaigns_get", {"id": ID}), "Draw": ("campaigns_draws_create", {"id": ID}),
    },
    ("campaigns_draws_create", "201"): {
        "GetDraw": ("draws_get", {"id": ID}), "Publish": ("draws_publish", {"id": ID}),
        "Redraw": ("draws_redraw", {"id": ID}),
    },
    ("draws_publish", "200"): {"GetCampaign": ("campaigns_get", {"id": "$response.body#/campaign"})},
    ("notifications_list", "200"): {"MarkRead": ("notifications_mark_read", {"id": "$response.body#/results/0/id"})},
    ("webhooks_create", "201"): {
        "GetWebhook": ("webhooks_get", {"id": ID}), "Deliveries": ("webhooks_deliveries_list", {"id": ID}),
        "RotateSecret": ("webhooks_rotate_secret", {"id": ID}),
    },
    ("webhooks_list", "200"): {"GetWebhook": ("webhooks_get", {"id": FIRST})},
    ("people_list", "200"): {"GetPerson": ("people_get", {"id": FIRST})},
}


def _operations(result):
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if isinstance(operation, dict) and "operationId" in operation:
                yield method, operation


def _has_files(schema, components) -> bool:
    if "$ref" in schema:
        schema = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
    for field in schema.get("properties", {}).values():
        if field.get("format") == "binary" or field.get("items", {}).get("format") == "binary":
            return True
    return False


def one_media_type(result, generator, request, public):
    components = result.get("components", {}).get("schemas", {})
    for _method, operation in _operations(result):
        content = operation.get("requestBody", {}).get("content")
        if not content or len(content) == 1:
            continue
        multipart = content.get("multipart/form-data")
        keep = "multipart/form-data" if multipart and _has_files(multipart["schema"], components) else "application/json"
        if keep in content:
            operation["requestBody"]["content"] = {keep: content[keep]}
    return result


def declare_error_bodies(result, generator, request, public):
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}
    for _method, operation in _operations(result):
        for code, response in operation.get("responses", {}).items():
            if code in ERROR_CODES and "content" not in response:
                response["content"] = body
    return result


def add_links(result, generator, request, public):
    known = {operation["operationId"] for _method, operation in _operations(result)}
    for _method, operation in _operations(result):
        for code, response in operation.get("responses", {}).items():
            links = LINKS.get((operation["operationId"], code), {})
            present = {name: {"operationId": target, "parameters": params}
                       for name, (target, params) in links.items() if target in known}
            if present:
                response["links"] = present
    return result
