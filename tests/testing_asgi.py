"""The real ASGI application plus one test-only HTTP hook, for the browser test.

The hook exists only when DUDAO_TEST_TRIGGER=1 and DUDAO_DEMO=1 are both set
(the browser test starts daphne that way on a throw-away SQLite file). It makes
the demo inspector issue an order to the demo school inside this server
process, which is what an inspector's request would do, so the push travels
through the same in-memory channel layer the embedded demo uses.
"""
import os

from channels.db import database_sync_to_async

from config.asgi import application as dudao_application

HOOK = "/__test__/issue-order/"
ENABLED = os.environ.get("DUDAO_TEST_TRIGGER") == "1" and os.environ.get("DUDAO_DEMO") == "1"


@database_sync_to_async
def issue_demo_order() -> str:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from notifications import events
    from tests.notification_factories import make_order
    from organizations.models import Organization

    inspector = get_user_model().objects.get(username="cq_inspector")
    with transaction.atomic():
        order = make_order(school=Organization.objects.get(code="S-CQZZ"), issued_by=inspector)
        events.emit(events.ORDER_ISSUED, target=order, actor=inspector)
    return order.number


async def application(scope, receive, send):
    if ENABLED and scope["type"] == "http" and scope["path"] == HOOK and scope["method"] == "POST":
        number = (await issue_demo_order()).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
        await send({"type": "http.response.body", "body": number})
        return
    await dudao_application(scope, receive, send)
