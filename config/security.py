"""Identity and HTTP hardening settings, read from the environment.

Imported at the end of config/settings.py. Every number here is a policy
choice an operator may need to tune (等保 2.0 level 3 / OWASP ASVS L2), so each
one has an environment variable and a safe default.
"""
import base64
import hashlib
from datetime import timedelta

from .env import env_bool, env_int, env_list

# --- Login throttling (django-axes) -------------------------------------------------
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
# "username+ip_address" locks one account from one address: a guessing attacker is
# stopped without letting anyone lock a colleague out from another machine.
AXES_LOCKOUT_PARAMETERS = [
    part.split("+") if "+" in part else part
    for part in env_list("AXES_LOCKOUT_PARAMETERS", ["username+ip_address"])
]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "security/lockout.html"
# Logins and logouts are in Dudao's own audit trail; axes keeps only the failure counters.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = env_bool("AXES_VERBOSE", False)
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
# Bounded to the column axes stores it in: a 300-character username was a 500 on PostgreSQL.
AXES_USERNAME_CALLABLE = "security.input_guard.axes_username"

# --- API tokens ------------------------------------------------------------------------
API_TOKEN_TTL_SECONDS = env_int("API_TOKEN_TTL_SECONDS", 8 * 3600, minimum=60)

# --- Content Security Policy ---------------------------------------------------------
# Everything is served by the app itself (no CDN). Viewflow's shell writes its theme
# colours in a <style> element and style="" attributes, so styles need 'unsafe-inline';
# scripts do not: the only inline script code in viewflow's templates is the "back"
# buttons' onclick handlers, allowed one by one through their hashes.
# The exact handler texts of viewflow 2.4's templates (delete, import/export, task assign).
CSP_INLINE_HANDLERS = [
    "window.history.back(-1)",
    "window.history.back(-1);setTimeout(()=>Turbo.visit('.'), 100)",
]
CSP_SCRIPT_HASHES = [
    "'sha256-%s'" % base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
    for code in CSP_INLINE_HANDLERS
]
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-hashes' " + " ".join(CSP_SCRIPT_HASHES),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
REFERRER_POLICY = "same-origin"
SECURE_REFERRER_POLICY = REFERRER_POLICY
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Production transport (the rest is in settings.py's production block) -------------
# Preloading is what makes HSTS protect the very first visit; operators on a shared
# parent domain can turn it off.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
