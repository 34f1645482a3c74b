"""The names of the events that cause notifications: one row each in notifications.rules.RULES."""
ORDER_ISSUED = "order.issued"
ORDER_SIGNED = "order.signed"
ORDER_SIGN_REMINDER = "order.sign_reminder"          # unsigned after 2 working days
ORDER_DEADLINE_REMINDER = "order.deadline_reminder"  # 3 and 1 working days before
ORDER_OVERDUE = "order.overdue"
ORDER_REPORT_SUBMITTED = "order.report_submitted"    # staff → school leader approval
ORDER_REPORT_RETURNED = "order.report_returned"      # school leader sent it back to staff
ORDER_REPORTED = "order.reported"                    # approved report reaches the district
ORDER_RECHECK_OVERDUE = "order.recheck_overdue"      # inspector SLA
ORDER_RECHECK_FAILED = "order.recheck_failed"
ORDER_RECHECK_PASSED = "order.recheck_passed"
ORDER_CLOSED = "order.closed"
ORDER_CLOSURE_RETURNED = "order.closure_returned"  # closure refused: back to the inspector
ORDER_ESCALATED = "order.escalated"
ORDER_CITY_REVIEW = "order.city_review"            # a major order awaits the city leader's closure
EXTENSION_REQUESTED = "extension.requested"
EXTENSION_DECIDED = "extension.decided"
VISIT_ASSIGNED = "visit.assigned"
VISIT_SUBMITTED = "visit.submitted"
VISIT_RETURNED = "visit.returned"
VISIT_APPROVED = "visit.approved"                  # → the team: the record passed review (its order follows)


CLUE_REGISTERED = "clue.registered"                # → the district's leaders: triage it
CLUE_TO_VERIFY = "clue.to_verify"                  # → the district's inspectors: desk check or visit
CLUE_TO_REPLY = "clue.to_reply"                    # → the district's leaders: reply to the complainant
CLUE_OVERDUE = "clue.overdue"                      # → the district's leaders: a time limit passed
CLUE_REPLIED = "clue.replied"                      # → nobody: the reply settles the "please reply" notices
CAMPAIGN_PUBLICATION_DUE = "campaign.publication_due"  # → the organiser's leaders: publish the draw's results
CAMPAIGN_RESULTS_PUBLISHED = "campaign.results_published"  # → nobody: settles the "please publish" notices

# Programmes (行动计划督办, programmes/): report review and the daily 督办 sweep.
PROGRAMME_REPORT_TO_SIGN = "programme.report_to_sign"      # → the unit's leaders: sign the report off
PROGRAMME_REPORT_TO_REVIEW = "programme.report_to_review"  # → the programme office: accept or return
PROGRAMME_REPORT_ACCEPTED = "programme.report_accepted"    # → the author
PROGRAMME_REPORT_RETURNED = "programme.report_returned"    # → the author: file it again
PROGRAMME_REPORT_MISSING = "programme.report_missing"      # → the lead unit's liaisons and leaders (督办)
PROGRAMME_TASK_LAGGING = "programme.task_lagging"          # → the lead unit's leaders and the office (督办)
PROGRAMME_TASK_OVERDUE = "programme.task_overdue"          # → the lead unit's leaders and the office (督办)
PROGRAMME_FILING_TO_REVIEW = "programme.filing_to_review"  # → the programme office: accept or return
PROGRAMME_FILING_ACCEPTED = "programme.filing_accepted"    # → the filer's leaders
PROGRAMME_FILING_RETURNED = "programme.filing_returned"    # → the filer's leaders: file the next round
PROGRAMME_FILING_OVERDUE = "programme.filing_overdue"      # → the filer's leaders: not filed by the deadline

# School self-inspection (学校自查, selfchecks/): the school leader's signature.
SELFCHECK_TO_SIGN = "selfcheck.to_sign"    # → the school's leaders: sign the self-inspection report
SELFCHECK_SIGNED = "selfcheck.signed"      # → nobody: settles the "please sign" notices
SELFCHECK_RETURNED = "selfcheck.returned"  # → the submitter: correct and submit again
PROGRAMME_EVALUATION_PUBLISHED = "programme.evaluation_published"  # → each evaluated unit's leaders: its result
