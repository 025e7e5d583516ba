"""The generic webhook channel: a signed JSON POST, checked by a receiver this test starts on
127.0.0.1 with its own, independent HMAC-SHA256 check (docs/notifications.md)."""

import hashlib
import hmac
import http.server
import json
import threading
import time

import pytest

from fundadmin.roles import Role
from notifications import webhook
from notifications.models import Delivery
from projects import services as project_services
from tests.projects.helpers import new_project

SECRET = "a-shared-secret-of-the-city-0123"


class Receiver(http.server.BaseHTTPRequestHandler):
    """What a city's messenger bot does: refuse anything whose signature or timestamp is wrong."""

    secret = SECRET
    received: list

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        timestamp = self.headers.get("X-Fundadmin-Timestamp", "")
        expected = hmac.new(self.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) <= 300
        good = hmac.compare_digest(self.headers.get("X-Fundadmin-Signature", ""), f"sha256={expected}")
        if not (fresh and good):
            self.send_response(401)
            self.end_headers()
            return
        self.received.append({"headers": dict(self.headers), "json": json.loads(body)})
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, Receiver.received
    server.shutdown()
    server.server_close()


def webhook_only(settings, url, secret):
    settings.NOTIFICATION_CHANNELS = {
        "webhook": {"CLASS": "notifications.channels.WebhookChannel", "OPTIONS": {"url": url, "secret": secret}}
    }


@pytest.mark.django_db(transaction=True)
def test_the_receiver_gets_signed_json(receiver, settings, people, fund_year, worker):
    server, received = receiver
    webhook_only(settings, f"http://127.0.0.1:{server.server_port}/hook", SECRET)
    project = new_project(people, fund_year)
    project_services.project_request_consent(project=project, by=people[Role.COMMUNITY_SECRETARY])
    worker()
    assert len(received) == 2  # one message per person told: the committee's secretary and member
    by_user = {r["json"]["recipient"]["username"]: r for r in received}
    assert set(by_user) == {people[Role.COMMITTEE_SECRETARY].username, people[Role.COMMITTEE_MEMBER].username}
    message = by_user[people[Role.COMMITTEE_SECRETARY].username]
    body = message["json"]
    assert body["title"] == f"{project.number} {project.title}：报请党工委初步同意"
    assert "项目现在：待党工委初步同意" in body["text"]
    assert body["url"].endswith(f"/projects/{project.pk}/")
    assert body["action"] == "project.request_consent" and isinstance(body["event"], int)
    assert body["recipient"]["name"] == people[Role.COMMITTEE_SECRETARY].display_name
    delivery = Delivery.objects.get(pk=body["delivery"])
    assert message["headers"]["X-Fundadmin-Delivery"] == str(delivery.pk)
    assert message["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert delivery.state == Delivery.State.SENT and delivery.channel == "webhook"


@pytest.mark.django_db(transaction=True)
def test_a_bad_signature_is_refused_and_retried(receiver, settings, people, fund_year, worker):
    server, received = receiver
    webhook_only(settings, f"http://127.0.0.1:{server.server_port}/hook", "not-the-secret-the-receiver-has")
    project = new_project(people, fund_year)
    project_services.project_request_consent(project=project, by=people[Role.COMMUNITY_SECRETARY])
    worker()
    assert received == []
    states = set(Delivery.objects.values_list("state", "last_error"))
    assert states == {(Delivery.State.RETRYING, "HTTPError: HTTP Error 401: Unauthorized")}


def test_sign_and_verify_round_trip():
    body = json.dumps({"title": "测试"}, ensure_ascii=False).encode()
    headers = webhook.signed_headers(SECRET, body, delivery_id=7, now=1_800_000_000)
    ts, sig = headers["X-Fundadmin-Timestamp"], headers["X-Fundadmin-Signature"]
    assert ts == "1800000000"
    assert sig == "sha256=" + hmac.new(SECRET.encode(), b"1800000000." + body, hashlib.sha256).hexdigest()
    assert webhook.verify(SECRET, body, timestamp=ts, signature_header=sig, now=1_800_000_100)
    assert not webhook.verify(SECRET, body + b" ", timestamp=ts, signature_header=sig, now=1_800_000_100)
    assert not webhook.verify("another-secret-0123456", body, timestamp=ts, signature_header=sig, now=1_800_000_100)
    # A replay: the same request 10 minutes later, or with a new timestamp the signature does not cover.
    assert not webhook.verify(SECRET, body, timestamp=ts, signature_header=sig, now=1_800_000_600)
    assert not webhook.verify(SECRET, body, timestamp="1800000500", signature_header=sig, now=1_800_000_500)
    assert not webhook.verify(SECRET, body, timestamp="", signature_header=sig)
    assert not webhook.verify(SECRET, body, timestamp="abc", signature_header=sig)
    assert not webhook.verify(SECRET, body, timestamp=ts, signature_header=sig.removeprefix("sha256="))


@pytest.mark.django_db
def test_a_webhook_without_a_secret_is_refused_by_check(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    webhook_only(settings, "https://bot.example.org/hook", "")
    with pytest.raises(SystemCheckError, match="共享密钥"):
        call_command("check")
