"""The numbers of task supervision (督办): when a report is due, when a task counts as lagging.

Working days are counted by workflows.calendar (the official calendar); these are only the counts.
"""
from decimal import Decimal

# A period's progress report is due this many working days after the period ends.
REPORT_DUE_WORKING_DAYS = 5
# A missing report is chased on the first working day after its due day; a scheduler that was down
# catches up within this many more working days, after which the notice would be stale and is skipped.
CATCH_UP_WORKING_DAYS = 5
# A number indicator lags when its share of the target is this far behind the share of time elapsed.
LAG_TOLERANCE = Decimal("0.15")
