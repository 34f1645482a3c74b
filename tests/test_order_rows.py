"""The order list's rows built in Python (inspections/orders/rows.py) are the markup the template loop
rendered, cell for cell, in both languages, with every value escaped."""
import datetime as dt
import re

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from inspections.orders.rows import order_rows
from inspections.orders.selectors import orders_visible_to, with_working_days_left
from tests.test_query_counts import new_order, to_stage

# The loop as templates/inspections/orders/list.html had it before issue 19's wave 2.
LOOP = Template("""{% load i18n %}{% for o, left in orders %}
      <tr><td><a href="{% url 'orders:detail' o.pk %}">{{ o.number }}</a></td><td>{{ o.school.name }}</td>
        <td>{{ o.get_status_display }}{% if o.is_overdue %} · <span class="dd-bad">{% trans "已逾期" %}</span>{% endif %}</td>
        <td data-days-left>{% if o.is_schools_turn and left >= 0 %}{{ left }}{% elif o.is_schools_turn %}<span class="dd-bad">{% trans "已逾期" %}</span>{% else %}—{% endif %}</td></tr>
    {% endfor %}""")


def _rows(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", row) for row in re.findall(r"<tr>.*?</tr>", html, re.S)]


@pytest.fixture
def orders(people, tree):
    fresh = new_order(people, tree)
    late = new_order(people, tree)
    late.deadline.due_at = timezone.now() - dt.timedelta(days=3)
    late.deadline.save(update_fields=["due_at"])
    to_stage(people, new_order(people, tree), "rechecking")
    tree.school_a.name = '甲一职专 <b>&"'
    tree.school_a.save(update_fields=["name"])
    assert fresh.pk
    return with_working_days_left(orders_visible_to(people.city_leader).order_by("-issued_at"))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_rows_are_the_template_loops_markup(orders, language):
    with translation.override(language):
        built, looped = _rows(str(order_rows(orders))), _rows(LOOP.render(Context({"orders": orders})))
    assert len(built) == 3 and built == looped
    assert any("dd-bad" in row for row in built)  # the overdue order is marked
    assert all("&lt;b&gt;&amp;&quot;" in row for row in built)  # escaped, never markup


def test_the_list_page_shows_the_rows_and_the_empty_line(client, people, orders):
    client.force_login(people.city_leader)
    page = client.get("/orders/").content.decode()
    assert page.count("data-days-left") == 3
    client.force_login(people.other_school_staff)
    assert "暂无整改通知书" in client.get("/orders/").content.decode()
