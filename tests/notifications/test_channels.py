"""Channels are pluggable: a class listed in NOTIFICATION_CHANNELS (a city's SMS gateway, say) is
given every message for the people it can reach, and its failures are retried like any other."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from fundadmin.roles import Role
from notifications import channels
from notifications.models import Delivery, Notification
from projects import services as project_services
from tests.projects.helpers import new_project

sent: list[tuple[str, str]] = []


class FakeSms(channels.QueuedChannel):
    """Reaches people by the number in their last name field (a stand-in for a mobile field)."""

    label = "短信"

    def __init__(self, alias, *, prefix="", **options):
        super().__init__(alias, **options)
        self.prefix = prefix

    def address_for(self, user):
        return user.last_name

    def body_for(self, message, user):
        return f"{self.prefix}{message.title}"

    def send(self, delivery):
        if delivery.address == "13900000000":
            raise ConnectionError("网关拒绝")
        sent.append((delivery.address, delivery.body))


@pytest.mark.django_db(transaction=True)
def test_a_citys_own_channel_gets_the_messages(settings, people, fund_year, worker):
    sent.clear()
    settings.NOTIFICATION_CHANNELS = {
        "inapp": {"CLASS": "notifications.channels.InAppChannel"},
        "sms": {"CLASS": "tests.notifications.test_channels.FakeSms", "OPTIONS": {"prefix": "【专项经费】"}},
    }
    people[Role.COMMITTEE_SECRETARY].last_name = "13800000000"
    people[Role.COMMITTEE_SECRETARY].save(update_fields=["last_name"])
    people[Role.COMMITTEE_MEMBER].last_name = "13900000000"
    people[Role.COMMITTEE_MEMBER].save(update_fields=["last_name"])
    project = new_project(people, fund_year)
    project_services.project_request_consent(project=project, by=people[Role.COMMUNITY_SECRETARY])
    worker()
    assert sent == [("13800000000", f"【专项经费】{project.number} {project.title}：报请党工委初步同意")]
    refused = Delivery.objects.get(channel="sms", address="13900000000")
    assert refused.state == Delivery.State.RETRYING and "网关拒绝" in refused.last_error
    assert Notification.objects.filter(project_id=project.pk).count() == 2  # the in-app list beside it


def test_a_channel_that_cannot_be_built_is_refused(settings):
    settings.NOTIFICATION_CHANNELS = {"sms": {"CLASS": "cityhall.nowhere.Sms"}}
    with pytest.raises(ImproperlyConfigured, match="找不到渠道类"):
        channels.configured()
    settings.NOTIFICATION_CHANNELS = {"email": {"CLASS": "notifications.channels.EmailChannel", "OPTIONS": {"x": 1}}}
    with pytest.raises(ImproperlyConfigured, match="不支持这些选项"):
        channels.configured()
