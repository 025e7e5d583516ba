"""Security settings: `check --deploy` clean under the production settings, a strict Content
Security Policy on every page (and pages that keep to it), login throttling by django-axes."""

from __future__ import annotations

import importlib
import re
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import Client, override_settings

from fundadmin.roles import Role

PRODUCTION_ENV = {
    "SECRET_KEY": "guard-" + "k3y-" * 12,
    "ALLOWED_HOSTS": "fund.example.org",
    "PUBLIC_BASE_URL": "https://fund.example.org",
    "DATABASE_URL": "sqlite:///unused.sqlite3",
}
# Settings that describe the machine rather than its security; the test database stays.
KEEP = {"DATABASES", "STORAGES", "PASSWORD_HASHERS", "WHITENOISE_USE_FINDERS", "WHITENOISE_AUTOREFRESH"}


def production_settings(monkeypatch, **env) -> dict:
    for key, value in {**PRODUCTION_ENV, **env}.items():
        monkeypatch.setenv(key, value)
    # Read the environment afresh (base too), then put the running test settings' modules back.
    saved = {name: sys.modules.pop(name, None) for name in ("fundadmin.settings.base", "fundadmin.settings.production")}
    try:
        module = importlib.import_module("fundadmin.settings.production")
    finally:
        for name, old in saved.items():
            sys.modules.pop(name, None)
            if old is not None:
                sys.modules[name] = old
    return {k: getattr(module, k) for k in dir(module) if k.isupper() and k not in KEEP}


def test_check_deploy_is_clean_under_production_settings(db, monkeypatch, capsys):
    values = production_settings(monkeypatch)
    # The browser tests' conftest sets this for Playwright; a deployment never does.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_SSL_REDIRECT"]
    with override_settings(**values):
        call_command("check", deploy=True, fail_level="WARNING")  # raises SystemCheckError otherwise
    assert "no issues" in capsys.readouterr().out


def test_production_refuses_the_development_key(monkeypatch):
    with pytest.raises(ImproperlyConfigured):
        production_settings(monkeypatch, SECRET_KEY="dev-only-insecure-key-change-me")


@pytest.mark.parametrize("address", ["", "fund.example.org", "https://fund.example.org/notice/"])
def test_production_refuses_to_guess_the_public_address(monkeypatch, address):
    # QR codes on paper must carry the address residents reach, never a visitor's Host header.
    with pytest.raises(ImproperlyConfigured, match="PUBLIC_BASE_URL"):
        production_settings(monkeypatch, PUBLIC_BASE_URL=address)


def test_production_prints_its_public_address(monkeypatch):
    assert production_settings(monkeypatch)["PUBLIC_BASE_URL"] == "https://fund.example.org"


def csp(response) -> dict[str, set[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, "no Content-Security-Policy header"
    return {d.split()[0]: set(d.split()[1:]) for d in header.split(";") if d.strip()}


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle=|<style[\s>]", re.I)
HANDLER = re.compile(r"<[^>]+\son[a-z]+=", re.I)


def test_strict_csp_on_public_and_staff_pages(world):
    a = world.a
    closed = a.projects["closed"]
    pages = [
        (None, "/"),
        (None, f"/c/{a.community.code}/"),
        (None, f"/notice/{world.notice.pk}/"),
        (None, f"/project/{closed.pk}/"),
        (None, "/accounts/login/"),
        (Role.COMMUNITY_SECRETARY, "/inbox/"),
        (Role.COMMUNITY_SECRETARY, f"/projects/{closed.pk}/"),
        (Role.COMMUNITY_SECRETARY, "/projects/new/"),
        (Role.FINANCE, f"/ledger/{a.community.code}/{a.fund_year.year}/"),
    ]
    for role, url in pages:
        client = Client()
        if role:
            client.force_login(a.people[role])
        response = client.get(url)
        assert response.status_code == 200, url
        policy = csp(response)
        assert policy["default-src"] == {"'self'"}, url
        for directive in ("script-src", "style-src"):
            assert not policy[directive] & {"'unsafe-inline'", "'unsafe-eval'", "*", "data:"}, (url, directive)
        assert policy["object-src"] == {"'none'"} and policy["frame-ancestors"] == {"'none'"}, url
        assert "base-uri" in policy and "form-action" in policy, url
        # The policy would block inline code; the pages must not rely on any.
        html = response.content.decode()
        for rule, what in (
            (INLINE_SCRIPT, "inline <script>"),
            (INLINE_STYLE, "inline style"),
            (HANDLER, "on*= handler"),
        ):
            found = rule.search(html)
            assert found is None, f"{url}: {what} blocked by the CSP: {found.group(0)[:80]}"


def test_login_locks_after_five_failures(community):
    from tests.factories import user_with_role

    user = user_with_role(Role.COMMUNITY_SECRETARY, community)
    client = Client(REMOTE_ADDR="127.0.0.9")
    for attempt in range(1, 6):
        response = client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
        # The form again with its error; the fifth failure locks.
        assert response.status_code == (429 if attempt == 5 else 200), attempt
    response = client.post("/accounts/login/", {"username": user.username, "password": "pw"})
    assert response.status_code == 429, "the right password still gets in after five failures"
    assert "_auth_user_id" not in client.session
    # Another address may still sign in (the lock is on the account and address pair).
    other = Client(REMOTE_ADDR="127.0.0.10")
    response = other.post("/accounts/login/", {"username": user.username, "password": "pw"})
    assert response.status_code == 302
