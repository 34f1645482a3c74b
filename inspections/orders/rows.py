"""The order list's table rows (up to 200), built once per page instead of in a template loop.

Per row, the template loop paid for a `{% url %}` (a resolver reverse), the status label's translation lookup,
the overdue test reading the clock, and the template engine resolving a dozen variables. Here the detail URL is
reversed once, the labels are translated once, the clock is read once, and each row is one format_html call
(which escapes every value as the template did). The markup is the template's, cell for cell.
"""
import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from inspections.orders.models import RectificationOrder
from inspections.orders.models import SCHOOLS_TURN

ROW = ('<tr><td><a href="{}">{}</a></td><td>{}</td>\n        <td>{}{}</td>\n'
       '        <td data-days-left>{}</td></tr>')
PK_SLOT = "2147483647"  # stands for the pk in the once-reversed detail URL


class _Page:
    """What every row of one page shares: the link pattern, the labels, the overdue mark, the clock."""

    def __init__(self):
        self.link = reverse("orders:detail", args=[int(PK_SLOT)])
        self.labels = {value: str(label) for value, label in RectificationOrder.Status.choices}
        self.late = format_html('<span class="dd-bad">{}</span>', _("已逾期"))
        self.overdue_mark = format_html(" · {}", self.late)
        self.now: dt.datetime = timezone.now()

    def cells(self, order: RectificationOrder, left: int) -> tuple:
        schools_turn = order.status in SCHOOLS_TURN
        overdue = schools_turn and self.now > order.deadline.due_at  # RectificationOrder.is_overdue, one clock
        days = left if schools_turn and left >= 0 else self.late if schools_turn else "—"
        return (self.link.replace(PK_SLOT, str(order.pk)), order.number, order.school.name,
                self.labels.get(order.status, order.status), self.overdue_mark if overdue else "", days)


def order_rows(orders_with_left: list[tuple[RectificationOrder, int]]) -> SafeString:
    """The <tr> rows for (order, working days left) pairs, as stats.with_working_days_left gives them."""
    page = _Page()
    return format_html_join("\n      ", ROW, (page.cells(order, left) for order, left in orders_with_left))
