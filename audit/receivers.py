from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from .services import event_record


@receiver(user_login_failed)
def record_failed_login(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    event_record(action="auth.login_failed", obj=None, object_repr=username, changes={"username": username})
