"""The audit trail: who did what to which object, when; written by every service, read by the timelines and the audit viewer."""
