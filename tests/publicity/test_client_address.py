"""Client addresses come from our own proxies only (issue 15, reproductions 4 and 5).

One function (audit.middleware.get_client_address) decides the address the trail records, the
public rate limit counts and django-axes locks on. X-Forwarded-For is ignored unless
FUNDADMIN_TRUSTED_PROXIES names the proxies in front; behind them the client is the right-most
address a trusted proxy appended, never what the client wrote at the left."""

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from audit.middleware import get_client_address
from audit.models import AuditEvent
from fundadmin.roles import Role
from publicity.models import Need, Objection
from publicity.ratelimit import LIMITS
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

PROXY = "127.0.0.1"


def request(rf, remote="198.51.100.20", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return rf.get("/", **extra)


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        # No proxy configured (the default): the header is ignored whatever it says.
        ([], "198.51.100.20", "203.0.113.5", "198.51.100.20"),
        ([], "198.51.100.20", "not-an-ip", "198.51.100.20"),
        ([], "not-an-ip", None, None),
        # One proxy by address: the client is what the proxy appended, the right-most entry.
        ([PROXY], PROXY, "198.51.100.7", "198.51.100.7"),
        ([PROXY], PROXY, "203.0.113.5, 198.51.100.7", "198.51.100.7"),
        ([PROXY], PROXY, "not-an-ip, 198.51.100.7", "198.51.100.7"),
        # A request that reached the app directly keeps its own address (the header is the client's).
        ([PROXY], "198.51.100.20", "203.0.113.5", "198.51.100.20"),
        # Two proxies (networks): skip both, take the first address that is not ours.
        (["10.0.0.0/8", PROXY], PROXY, "203.0.113.5, 198.51.100.7, 10.1.2.3", "198.51.100.7"),
        # What a proxy appended is malformed: nothing is recorded rather than garbage.
        ([PROXY], PROXY, "198.51.100.7, bogus", None),
        ([PROXY], PROXY, "", PROXY),
        # IPv6 is normalised.
        ([PROXY], PROXY, "2001:DB8:0:0::1", "2001:db8::1"),
        # A count: the last N hops are ours, whatever their addresses.
        (1, "10.9.9.9", "203.0.113.5, 198.51.100.7", "198.51.100.7"),
        (2, "10.9.9.9", "203.0.113.5, 198.51.100.7, 10.1.1.1", "198.51.100.7"),
        (1, "10.9.9.9", "x", None),
        (2, "10.9.9.9", "198.51.100.7", "198.51.100.7"),
    ],
)
def test_the_client_is_the_right_most_untrusted_address(rf, settings, trusted, remote, forwarded, expected):
    settings.FUNDADMIN_TRUSTED_PROXIES = trusted
    assert get_client_address(request(rf, remote, forwarded)) == expected


def test_axes_asks_the_same_function():
    assert django_settings.AXES_CLIENT_IP_CALLABLE == "audit.middleware.get_client_address"


def test_the_setting_is_parsed_from_the_environment():
    from django.core.exceptions import ImproperlyConfigured

    from fundadmin.settings.base import trusted_proxies_from_env

    assert trusted_proxies_from_env("") == [] and trusted_proxies_from_env("0") == []
    assert trusted_proxies_from_env("2") == 2
    assert trusted_proxies_from_env("127.0.0.1, 10.0.0.0/8") == ["127.0.0.1", "10.0.0.0/8"]
    with pytest.raises(ImproperlyConfigured, match="nginx"):
        trusted_proxies_from_env("nginx")


def _object(client, notice, i, **extra):
    return client.post(
        reverse("publicity:objection_submit", args=[notice.pk]),
        {"text": f"第 {i} 条异议", "name": "", "contact": "", "website": ""},
        **extra,
    )


def test_spoofed_forwarded_for_does_not_escape_the_rate_limit(client, plan_notice):
    """Reproduction 4: 100 objections, each claiming another address, from one client."""
    limit, _ = LIMITS["objection"]
    codes = [
        _object(client, plan_notice, i, REMOTE_ADDR="198.51.100.20", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
        for i in range(1, 101)
    ]
    assert codes.count(302) == limit and codes.count(429) == 100 - limit
    assert Objection.objects.count() == limit
    assert set(Objection.objects.values_list("client_address", flat=True)) == {"198.51.100.20"}
    addresses = set(AuditEvent.objects.filter(action__startswith="objection").values_list("client_address", flat=True))
    assert addresses == {"198.51.100.20"}


def test_spoofed_needs_are_limited_too(client, community):
    limit, _ = LIMITS["need"]
    codes = [
        client.post(
            reverse("publicity:need_submit", args=[community.code]),
            {"content": f"诉求 {i}", "name": "", "contact": "", "website": ""},
            REMOTE_ADDR="198.51.100.20",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i in range(1, 31)
    ]
    assert codes.count(302) == limit and Need.objects.count() == limit


def test_behind_a_trusted_proxy_the_real_client_is_counted_and_recorded(client, settings, plan_notice):
    settings.FUNDADMIN_TRUSTED_PROXIES = [PROXY]
    limit, _ = LIMITS["objection"]
    # The attacker writes its own X-Forwarded-For; the proxy appends the address it really saw.
    codes = [
        _object(
            client, plan_notice, i, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}, 198.51.100.20"
        ).status_code
        for i in range(1, 21)
    ]
    assert codes.count(302) == limit
    # A neighbour behind the same proxy is a different client.
    assert _object(client, plan_notice, 99, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.21").status_code == 302
    stored = set(Objection.objects.values_list("client_address", flat=True))
    assert stored == {"198.51.100.20", "198.51.100.21"}


def test_a_malformed_address_is_never_stored(client, settings, plan_notice):
    settings.FUNDADMIN_TRUSTED_PROXIES = [PROXY]
    assert _object(client, plan_notice, 1, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="not-an-ip").status_code == 302
    objection = Objection.objects.get()
    assert objection.client_address is None
    event = AuditEvent.objects.filter(action__startswith="objection").get()
    assert event.client_address is None


def test_nobody_elsewhere_can_lock_an_official_out(settings, community):
    """Reproduction 5: behind the one documented proxy, five wrong passwords from anywhere used
    to lock the account for everyone (axes keyed on the proxy's address)."""
    settings.FUNDADMIN_TRUSTED_PROXIES = [PROXY]
    official = user_with_role(Role.COMMITTEE_SECRETARY, community)
    attacker = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66")
    for attempt in range(1, 8):
        response = attacker.post("/accounts/login/", {"username": official.username, "password": "guess"})
        assert response.status_code == (200 if attempt < 5 else 429), attempt
    # The attacker claiming the official's address in its own header changes nothing.
    spoofer = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.66")
    assert spoofer.post("/accounts/login/", {"username": official.username, "password": "pw"}).status_code == 429
    # The official, at their own address behind the same proxy, signs in.
    own = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")
    response = own.post("/accounts/login/", {"username": official.username, "password": "pw"})
    assert response.status_code == 302 and "_auth_user_id" in own.session


def test_a_lockout_ends_on_time_even_if_failures_go_on(settings, community, time_machine):
    """Someone sharing the official's address cannot stretch the lockout by failing during it."""
    import datetime as dt

    from django.utils import timezone

    start = timezone.now()
    time_machine.move_to(start, tick=False)
    official = user_with_role(Role.COMMITTEE_SECRETARY, community)
    shared = Client(REMOTE_ADDR="198.51.100.30")
    for _ in range(5):
        shared.post("/accounts/login/", {"username": official.username, "password": "guess"})
    time_machine.move_to(start + dt.timedelta(minutes=10), tick=False)
    assert shared.post("/accounts/login/", {"username": official.username, "password": "guess"}).status_code == 429
    time_machine.move_to(start + dt.timedelta(minutes=16), tick=False)
    response = shared.post("/accounts/login/", {"username": official.username, "password": "pw"})
    assert response.status_code == 302
