"""What the report flow's nodes write: the report's status and who decided. Only the flow calls these."""
from django.utils import timezone

from notifications import events

from .models import ProgressReport


def report_set_status(*, report: ProgressReport, status: str) -> None:
    report.status = status
    report.save(update_fields=["status"])


def entered_sign_off(*, report: ProgressReport) -> None:
    report_set_status(report=report, status=ProgressReport.Status.SIGNING)
    events.emit(events.PROGRAMME_REPORT_TO_SIGN, target=report, actor=report.submitted_by)


def entered_review(*, report: ProgressReport) -> None:
    report_set_status(report=report, status=ProgressReport.Status.REVIEWING)
    events.emit(events.PROGRAMME_REPORT_TO_REVIEW, target=report, actor=report.signed_by)


def mark_accepted(*, report: ProgressReport) -> None:
    report_set_status(report=report, status=ProgressReport.Status.ACCEPTED)
    events.emit(events.PROGRAMME_REPORT_ACCEPTED, target=report, actor=report.reviewed_by)


def mark_returned(*, report: ProgressReport) -> None:
    report_set_status(report=report, status=ProgressReport.Status.RETURNED)
    actor = report.reviewed_by or report.signed_by
    events.emit(events.PROGRAMME_REPORT_RETURNED, target=report, actor=actor)


def stamp(*, report: ProgressReport, user, step: str, decision: str, comment: str) -> None:
    """Record the person's decision at `step` ("sign" or "review") before the flow moves on."""
    now = timezone.now()
    if step == "sign":
        report.signed_by, report.signed_at = user, now
        fields = ["signed_by", "signed_at"]
    else:
        report.reviewed_by, report.reviewed_at = user, now
        fields = ["reviewed_by", "reviewed_at"]
    report.decision, report.comment = decision, comment
    report.save(update_fields=fields + ["decision", "comment"])


def filing_set_status(*, filing, status: str) -> None:
    filing.status = status
    filing.save(update_fields=["status"])


def filing_entered_review(*, filing) -> None:
    events.emit(events.PROGRAMME_FILING_TO_REVIEW, target=filing, actor=filing.submitted_by)


def filing_accepted(*, filing) -> None:
    filing_set_status(filing=filing, status=filing.Status.ACCEPTED)
    events.emit(events.PROGRAMME_FILING_ACCEPTED, target=filing, actor=filing.reviewed_by)


def filing_returned(*, filing) -> None:
    filing_set_status(filing=filing, status=filing.Status.RETURNED)
    events.emit(events.PROGRAMME_FILING_RETURNED, target=filing, actor=filing.reviewed_by)
