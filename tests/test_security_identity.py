"""Identity hardening: lockout, password rules, idle sessions, forced password change,
security headers, deploy checks and expiring, revocable API tokens."""
import os
import secrets
import subprocess
import sys
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inspections.models import AuditEvent
from organizations.demo import DEMO_PASSWORD
from security.models import UserSecurity
from security.tokens import token_user

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "pw-for-tests-1"


@contextmanager
def clock_moved(seconds):
    """Run the block as if `seconds` had passed since now (sessions, tokens and audit all see it)."""
    later = timezone.now() + timedelta(seconds=seconds)
    with mock.patch("django.utils.timezone.now", return_value=later):
        yield


def _post_login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


# --- passwords -------------------------------------------------------------------------

@pytest.mark.parametrize("weak", ["Ab3$short", "password1234", "12345678901234"])
def test_weak_passwords_are_refused(db, weak):
    with pytest.raises(ValidationError):
        validate_password(weak)


def test_long_uncommon_mixed_password_is_accepted(db):
    validate_password("ququ-jiaodu-2026-Lx")


# --- lockout ---------------------------------------------------------------------------

def test_repeated_failures_lock_the_account_even_for_the_right_password(client, people, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        _post_login(client, "school_staff", "wrong-password-1")
    response = _post_login(client, "school_staff", PASSWORD)
    assert response.status_code == 429
    assert "账号已暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.login_failed", after__username="school_staff").count() >= 3
    assert AuditEvent.objects.filter(action="auth.locked_out").exists()


def test_lockout_of_one_account_does_not_lock_a_colleague(client, people, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(3):
        _post_login(client, "school_staff", "wrong-password-1")
    response = _post_login(client, "school_leader", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(people.school_leader.pk)


def test_lockout_ends_after_cool_off(client, people, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    for _ in range(2):
        _post_login(client, "school_staff", "wrong-password-1")
    assert _post_login(client, "school_staff", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert _post_login(client, "school_staff", PASSWORD).status_code == 302


def test_token_endpoint_counts_failures_and_refuses_when_locked(people, settings):
    settings.AXES_FAILURE_LIMIT = 2
    api = APIClient()
    for _ in range(2):
        assert api.post("/api/v1/auth/token/", {"username": "school_staff", "password": "nope-nope-1"}).status_code == 400
    response = api.post("/api/v1/auth/token/", {"username": "school_staff", "password": PASSWORD})
    assert response.status_code in (400, 403, 429)
    assert "token" not in response.json()


# --- login audit -----------------------------------------------------------------------

def test_login_and_logout_are_audited_with_address_and_organisation(client, people, tree):
    assert _post_login(client, "school_staff", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    login = AuditEvent.objects.get(action="auth.login")
    assert (login.actor, login.organization, login.ip) == (people.school_staff, tree.school_a, "127.0.0.1")
    assert AuditEvent.objects.filter(action="auth.logout", actor=people.school_staff).count() == 1


def test_failed_login_for_unknown_name_is_audited_without_actor(client, db):
    _post_login(client, "nobody-here", "whatever-123")
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.actor is None and event.organization is None
    assert event.after == {"username": "nobody-here"}


# --- idle session ----------------------------------------------------------------------

def test_idle_session_is_logged_out_after_configured_seconds(client, people, settings):
    assert settings.SESSION_COOKIE_AGE == 1800
    client.force_login(people.school_staff)
    assert client.get("/dudao/").status_code == 200
    with clock_moved(1801):
        response = client.get("/dudao/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_activity_keeps_the_session_alive(client, people):
    client.force_login(people.school_staff)
    with clock_moved(1500):
        assert client.get("/dudao/").status_code == 200
    with clock_moved(3000):  # 1500 s after the last request
        assert client.get("/dudao/").status_code == 200


def _session_writes(client, path="/dudao/") -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return sum('UPDATE "django_session"' in q["sql"] or 'INSERT INTO "django_session"' in q["sql"]
               for q in ctx.captured_queries)


def test_session_is_rewritten_at_most_once_a_minute_of_activity(client, people):
    client.force_login(people.school_staff)
    assert _session_writes(client) == 1            # first request stamps the activity
    with clock_moved(30):
        assert _session_writes(client) == 0        # within the minute: no write
    with clock_moved(61):
        assert _session_writes(client) == 1        # a minute on: the idle timeout slides


def test_idle_timeout_is_configurable_from_environment():
    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup();"
            "from django.conf import settings as s; print(s.SESSION_COOKIE_AGE, s.AXES_FAILURE_LIMIT,"
            " s.AXES_COOLOFF_TIME.total_seconds(), s.API_TOKEN_TTL_SECONDS)")
    env = dict(os.environ, DUDAO_DEMO="1", SESSION_IDLE_SECONDS="600", AXES_FAILURE_LIMIT="8",
               AXES_COOLOFF_MINUTES="30", API_TOKEN_TTL_SECONDS="3600")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-4:] == ["600", "8", "1800.0", "3600"]


# --- forced password change for demo accounts -----------------------------------------

@pytest.fixture
def demo_account(people):
    user = people.school_staff
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def test_demo_password_flags_the_account(demo_account, people):
    assert UserSecurity.objects.get(user=demo_account).must_change_password
    assert not UserSecurity.objects.filter(user=people.school_leader, must_change_password=True).exists()


def test_demo_account_must_change_password_outside_demo_mode(client, demo_account, settings):
    settings.DEMO = False
    client.force_login(demo_account)
    response = client.get("/dudao/")
    assert response.status_code == 302 and response["Location"] == "/accounts/password_change/"
    assert client.get("/accounts/password_change/").status_code == 200
    response = client.post("/accounts/password_change/", {
        "old_password": DEMO_PASSWORD, "new_password1": "Xin-mima-2026-abc", "new_password2": "Xin-mima-2026-abc"})
    assert response.status_code == 302
    assert not UserSecurity.objects.get(user=demo_account).must_change_password
    assert client.get("/dudao/").status_code == 200


def test_demo_account_is_not_forced_in_demo_mode(client, demo_account, settings):
    settings.DEMO = True
    client.force_login(demo_account)
    assert client.get("/dudao/").status_code == 200


def test_demo_account_gets_no_api_token_outside_demo_mode(demo_account, settings):
    settings.DEMO = False
    response = APIClient().post("/api/v1/auth/token/", {"username": demo_account.username, "password": DEMO_PASSWORD})
    assert response.status_code == 403
    assert not Token.objects.filter(user=demo_account).exists()


def test_load_demo_flags_every_demo_account(db):
    from django.core.management import call_command

    call_command("load_demo")
    flagged = set(UserSecurity.objects.filter(must_change_password=True).values_list("user__username", flat=True))
    assert {"admin", "jn_admin", "cqzz_staff", "jnys_leader"} <= flagged


# --- headers and deploy checks ---------------------------------------------------------

def test_responses_carry_csp_nosniff_and_frame_headers(client, db):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "unsafe-eval" not in csp and "script-src 'self' 'unsafe-hashes'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert "geolocation=(self)" in response["Permissions-Policy"]


def _production_env(**extra):
    # Also drop what the test process itself sets (browser tests allow async-unsafe ORM calls).
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "DUDAO_DEMO", "SECRET_KEY", "DJANGO_SETTINGS_MODULE",
                        "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(SECRET_KEY=secrets.token_urlsafe(64), DEBUG="false", ALLOWED_HOSTS="dudao.example.gov.cn", **extra)
    return env


def test_check_deploy_is_clean_with_production_environment():
    out = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                         cwd=ROOT, env=_production_env(), capture_output=True, text=True, timeout=120)
    # Schema enum naming hints (drf_spectacular.W001) are about API docs, not deployment safety.
    issues = [line for line in (out.stdout + out.stderr).splitlines()
              if line.startswith("?:") or line.startswith("security.") or ": (" in line]
    real = [line for line in issues if "drf_spectacular.W001" not in line]
    assert real == [], "\n".join(real)
    assert "SystemCheckError" not in out.stderr or all("drf_spectacular" in i for i in issues)


def test_production_settings_use_secure_cookies_and_hsts():
    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup();"
            "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
            " s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_PRELOAD, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_HTTPONLY)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_production_env(),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-6:] == ["True", "True", "31536000", "True", "True", "True"]


# --- API tokens ------------------------------------------------------------------------

def _token_for(username):
    response = APIClient().post("/api/v1/auth/token/", {"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.content
    return response.json()


def test_token_works_until_it_expires(people, settings):
    body = _token_for("school_staff")
    assert body["expires_in"] == settings.API_TOKEN_TTL_SECONDS == 8 * 3600
    api = APIClient(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert api.post("/api/v1/auth/token/revoke/", {}).status_code != 401  # accepted now (and revoked)


def test_expired_token_is_refused_with_401(people, settings):
    key = _token_for("school_staff")["token"]
    api = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    with clock_moved(settings.API_TOKEN_TTL_SECONDS + 1):
        response = api.post("/api/v1/auth/token/revoke/", {})
        assert token_user(key) is None
    assert response.status_code == 401
    assert Token.objects.filter(key=key).exists()  # refused, not silently revoked


def test_new_login_after_expiry_issues_a_new_token(people, settings):
    old = _token_for("school_staff")["token"]
    Token.objects.filter(key=old).update(created=timezone.now() - timedelta(seconds=settings.API_TOKEN_TTL_SECONDS + 5))
    new = _token_for("school_staff")["token"]
    assert new != old and token_user(new) == people.school_staff and token_user(old) is None


def test_revoked_token_is_refused_and_revocation_audited(people):
    key = _token_for("school_staff")["token"]
    api = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.post("/api/v1/auth/token/revoke/", {}).status_code == 204
    assert api.post("/api/v1/auth/token/revoke/", {}).status_code == 401
    assert token_user(key) is None
    assert AuditEvent.objects.filter(action="auth.token_revoked", actor=people.school_staff).count() == 1


def test_revoking_needs_authentication(db):
    assert APIClient().post("/api/v1/auth/token/revoke/", {}).status_code == 401


def test_token_of_deactivated_user_is_refused(people):
    key = _token_for("school_staff")["token"]
    people.school_staff.is_active = False
    people.school_staff.save(update_fields=["is_active"])
    assert token_user(key) is None
    assert APIClient(HTTP_AUTHORIZATION=f"Token {key}").post("/api/v1/auth/token/revoke/", {}).status_code == 401
