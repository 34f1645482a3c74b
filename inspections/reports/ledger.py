"""The ledger (台账): orders with filters, keyset pagination, and the .xlsx export.

Pages are cut by keyset on (issued_at, id), newest first: a page asks for the
rows strictly after the last one seen, so rows inserted meanwhile are neither
skipped nor repeated, and no OFFSET walks a large table. The export writes one
row per finding with openpyxl's write-only workbook (constant memory) and runs
in the background worker for anything but small sets.
"""
import base64
import binascii
import datetime as dt
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.fields.tuple_lookups import Tuple, TupleLessThan
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import override

from config.params import date_param, int_param
from inspections.checklists.models import ChecklistSection, Severity
from inspections.orders.models import Finding, RectificationOrder
from inspections.reports.models import ExportJob
from inspections.reports.stats import SHANGHAI, StatsFilter, orders_in_scope
from ops.replica import statistics_reads
from security.exports import xlsx_text_cell
from security.services import audit_export

PAGE_SIZE = 50
INLINE_EXPORT_LIMIT = 2000  # findings; above this the export waits for the background worker
PROGRESS_EVERY = 500


@dataclass(frozen=True)
class LedgerFilter(StatsFilter):
    status: str = ""
    overdue: bool = False


@dataclass
class Page:
    rows: list
    next_cursor: str | None


def ledger_orders(user, flt: LedgerFilter) -> QuerySet[RectificationOrder]:
    """Orders the user may see under the filter, newest first, with what a ledger row shows."""
    qs = orders_in_scope(user, flt)
    if flt.status:
        qs = qs.filter(status=flt.status)
    if flt.overdue:
        qs = qs.overdue()
    # A correlated count, not JOIN+GROUP BY: the database can then walk the (issued_at, id) index and stop
    # at the page's LIMIT instead of aggregating every order in scope first.
    findings = (Finding.objects.filter(order=OuterRef("pk")).order_by().values("order")
                .annotate(c=Count("pk")).values("c"))
    return (qs.select_related("school", "school__parent", "issuer", "deadline")
            .annotate(finding_count=Coalesce(Subquery(findings), 0)).order_by("-issued_at", "-id"))


def encode_cursor(order: RectificationOrder) -> str:
    raw = f"{order.issued_at.isoformat()}|{order.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    """(issued_at, id) of the last row seen; a tampered cursor is a validation error."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.rsplit("|", 1)
        issued_at = parse_datetime(stamp)
        if issued_at is None or issued_at.tzinfo is None:
            raise ValueError(stamp)
        return issued_at, int(pk)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise ValidationError({"cursor": _("翻页参数无效。")}) from None


def after_cursor(qs: QuerySet, cursor: str | None) -> QuerySet:
    """Rows strictly after the cursor in (-issued_at, -id) order: the keyset condition."""
    if not cursor:
        return qs
    issued_at, pk = decode_cursor(cursor)
    # A row comparison (issued_at, id) < (…) is where PostgreSQL starts the index walk; the equivalent OR is
    # only a filter there, so a deep page would first read (and drop) every newer order.
    return qs.filter(TupleLessThan(Tuple(F("issued_at"), F("pk")), (issued_at, pk)))


@statistics_reads()  # from the read replica when there is one (ops/replica.py)
def ledger_page(user, flt: LedgerFilter, cursor: str | None = None, size: int = PAGE_SIZE) -> Page:
    """One page of the ledger (one query): size+1 rows are read to know whether a next page exists."""
    rows = list(after_cursor(ledger_orders(user, flt), cursor)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows=rows, next_cursor=encode_cursor(rows[-1]) if more and rows else None)


def get_ledger_order_for_user(user, pk) -> RectificationOrder:
    """An order with its findings for documents; 404 when the user may not see it."""
    order = (orders_in_scope(user, StatsFilter()).select_related("school", "issuer", "deadline", "visit")
             .prefetch_related("findings__item__section").filter(pk=pk).first())
    if order is None:
        raise Http404("no such order")
    return order


def filter_from_params(params) -> LedgerFilter:
    """Build the filter from query parameters or a stored job's JSON; unknown values are rejected."""
    severity = params.get("severity") or ""
    status = params.get("status") or ""
    if severity and severity not in Severity.values:
        raise ValidationError(_("严重程度无效。"))
    if status and status not in RectificationOrder.Status.values:
        raise ValidationError(_("状态无效。"))
    return LedgerFilter(
        # config.params: strict (ASCII digits, bigint range, real days in 1900–2999), a ValidationError too
        start=date_param(params, "start"), end=date_param(params, "end"),
        campaign_id=int_param(params, "campaign"), severity=severity,
        section_id=int_param(params, "section"), org_id=int_param(params, "org"),
        status=status, overdue=str(params.get("overdue", "")).lower() in ("1", "true", "on", "yes"),
    )


def filter_to_params(flt: LedgerFilter) -> dict:
    return {**flt.as_dict(), "status": flt.status, "overdue": "1" if flt.overdue else ""}


def describe_filter(flt: LedgerFilter) -> str:
    """The filter in words, for the sheet title and the page heading."""
    parts = []
    if flt.start or flt.end:
        parts.append(f"{flt.start or '…'}至{flt.end or '…'}")
    if flt.severity:
        parts.append(str(Severity(flt.severity).label))
    if flt.status:
        parts.append(str(RectificationOrder.Status(flt.status).label))
    if flt.overdue:
        parts.append(_("逾期"))
    if flt.section_id:
        section = ChecklistSection.objects.filter(pk=flt.section_id).first()
        parts.append(section.title if section else str(flt.section_id))
    return " ".join(parts) or _("全部")


SHEET_FORBIDDEN = str.maketrans({c: "-" for c in "[]:*?/\\"})


def sheet_title(flt: LedgerFilter) -> str:
    # Excel limits a sheet name to 31 characters and forbids []:*?/\ in it.
    return f"{_('整改台账')} {describe_filter(flt)}".translate(SHEET_FORBIDDEN)[:31]


def export_headers() -> list[str]:
    return [_("文号"), _("区县"), _("学校"), _("下发机关"), _("下发日期"), _("整改期限"), _("状态"), _("是否逾期"),
            _("销号日期"), _("问题序号"), _("检查项"), _("问题描述"), _("严重程度"), _("安全隐患"), _("发现日期"),
            _("检查签到")]


def export_findings(user, flt: LedgerFilter) -> QuerySet[Finding]:
    """One row per finding of the orders in the ledger; the scope is the user's, as on the page."""
    orders = ledger_orders(user, flt).values("pk")
    return (Finding.objects.filter(order__in=orders)
            .select_related("order", "order__school", "order__school__parent", "order__issuer",
                            "order__deadline", "order__visit", "item")
            .order_by("-order__issued_at", "-order_id", "found_at", "id"))


def _local_day(value):
    return value.astimezone(SHANGHAI).date() if value else None


def export_row(finding: Finding, position: int) -> list:
    order = finding.order
    district = order.school.parent if order.school.parent and order.school.parent.kind == "district" else None
    return [order.number, district.name if district else "", order.school.name, order.issuer.name,
            _local_day(order.issued_at), _local_day(order.deadline.due_at), order.get_status_display(),
            _("是") if order.is_overdue else _("否"), _local_day(order.closed_at), position,
            f"{finding.item.code} {finding.item.title}" if finding.item else "", finding.description,
            finding.get_severity_display(), _("是") if finding.hazard else _("否"), _local_day(finding.found_at),
            _checkin_text(order.visit)]


def _checkin_text(visit) -> str:
    """When the source visit checked in; a check-in captured offline says so and gives the device's time."""
    if visit is None or visit.checkin_at is None:
        return ""
    if not visit.checkin_offline:
        return f"{visit.checkin_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"
    stamp = (visit.checkin_device_at or visit.checkin_at).astimezone(SHANGHAI)
    return _("%(t)s（离线采集，设备时间）") % {"t": f"{stamp:%Y-%m-%d %H:%M}"}


@statistics_reads()  # the rows from the read replica when there is one; the job's own rows on the primary
def write_xlsx(user, flt: LedgerFilter, out, on_progress=None) -> int:
    """Write the ledger workbook to `out`; returns the number of finding rows written."""
    with override("zh-hans"):  # the ledger's headers are Chinese by requirement, whoever exports it
        return _write_xlsx(user, flt, out, on_progress)


def _write_xlsx(user, flt: LedgerFilter, out, on_progress=None) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    wb.properties.title = f"{_('整改台账')}（{describe_filter(flt)}）"
    ws = wb.create_sheet(sheet_title(flt))
    ws.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGHIJKLMNOP", (22, 14, 24, 18, 12, 12, 12, 8, 12, 8, 28, 40, 8, 8, 12, 22)):
        ws.column_dimensions[letter].width = width
    ws.append([_bold(WriteOnlyCell(ws, value=h), Font) for h in export_headers()])
    written, last_order, position = 0, None, 0
    for finding in export_findings(user, flt).iterator(chunk_size=2000):
        position = position + 1 if finding.order_id == last_order else 1
        last_order = finding.order_id
        ws.append([_cell(ws, value) for value in export_row(finding, position)])
        written += 1
        if on_progress and written % PROGRESS_EVERY == 0:
            on_progress(written)
    wb.save(out)
    return written


def _cell(ws, value):
    # Text typed by users (a finding's description) must never run as a spreadsheet formula.
    if value is None or isinstance(value, (int, float, dt.date)):
        return value
    return xlsx_text_cell(ws, value)


def _bold(cell, font_class):
    cell.font = font_class(bold=True)
    return cell


# --- background exports ---------------------------------------------------------------

def export_request(*, user, flt: LedgerFilter) -> ExportJob:
    """Queue an export; a small one is written at once so the user does not wait for the worker."""
    total = export_findings(user, flt).count()
    job = ExportJob.objects.create(user=user, filters=filter_to_params(flt), total=total)
    if runs_inline(total):
        export_run(job=job)
        job.refresh_from_db()
    return job


def runs_inline(total: int) -> bool:
    """Small exports are cheap enough for the request; large ones must not hold a web worker."""
    return total <= INLINE_EXPORT_LIMIT


def _claim(job: ExportJob) -> bool:
    # A conditional UPDATE is the lock: only one worker (on any machine) turns queued into running.
    return bool(ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, started_at=timezone.now()))


def export_run(*, job: ExportJob) -> bool:
    """Write the job's workbook and store it; False when another worker already took the job."""
    if not _claim(job):
        return False
    try:
        flt = filter_from_params(job.filters)
        buffer = io.BytesIO()
        written = write_xlsx(job.user, flt, buffer, on_progress=lambda n: _progress(job.pk, n))
        job.file.save(f"ledger-{job.pk}.xlsx", ContentFile(buffer.getvalue()), save=False)
        job.progress, job.total, job.status = written, written, ExportJob.Status.DONE
        job.finished_at = timezone.now()
        job.save(update_fields=["file", "progress", "total", "status", "finished_at"])
        audit_export(user=job.user, what="ledger.xlsx", filters=job.filters, rows=written)
    except Exception as exc:  # the job records any failure so the user sees it instead of a spinner forever
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED, error=str(exc)[:2000],
                                                   finished_at=timezone.now())
        raise
    return True


def _progress(pk: int, written: int) -> None:
    ExportJob.objects.filter(pk=pk).update(progress=written)


def run_pending_exports(limit: int | None = None) -> int:
    """Process queued export jobs (called by the scheduler process); returns how many were done."""
    done = 0
    for job in ExportJob.objects.filter(status=ExportJob.Status.QUEUED).select_related("user").order_by("pk")[:limit]:
        try:
            done += export_run(job=job)
        except Exception:  # noqa: BLE001 — already recorded on the job; the next job must still run
            continue
    return done


def exports_of(user) -> QuerySet[ExportJob]:
    return ExportJob.objects.filter(user=user).order_by("-created_at", "-id")


def get_export_for_user(user, pk) -> ExportJob:
    """Only the user who asked for an export may see or download it; anyone else gets 404."""
    job = exports_of(user).filter(pk=pk).first() if getattr(user, "is_authenticated", False) else None
    if job is None:
        raise Http404("no such export")
    return job
