"""``manage.py check`` says when a channel in NOTIFICATION_CHANNELS cannot be built (a wrong
class path, a webhook address without its secret) instead of the worker failing later."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from . import channels


@checks.register()
def channels_configured(app_configs, **kwargs):
    try:
        channels.configured()
    except (ImproperlyConfigured, TypeError) as exc:
        return [checks.Error(f"NOTIFICATION_CHANNELS: {exc}", id="notifications.E001")]
    return []
