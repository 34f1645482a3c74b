"""Inspection visits: planning, check-in, the checklist on site, findings, signature, submission, review; the offline replay."""
