"""Identity hardening, security headers, refusal and export auditing, the audit viewer."""
