"""The one-time link with which a new user sets their own password: nobody's password is mailed or
shown, not even to the administrator."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import task
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from audit.services import event_record

from ..addresses import public_url
from ..models import User

# -- the one-time link: new users set their own password ------------------------------------------------


class PasswordSetTokenGenerator(PasswordResetTokenGenerator):
    """Django's reset token with its own salt: valid until the password is set (the token hashes
    the password field, so the link works once) or until PASSWORD_RESET_TIMEOUT (3 days)."""

    key_salt = "fundadmin.onboarding.PasswordSetTokenGenerator"


password_set_token = PasswordSetTokenGenerator()


def password_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("password_set", args=[uid, password_set_token.make_token(user)])
    return public_url(path)


def password_link_send(user: User) -> None:
    """Queue the e-mail with the user's one-time link to set their own password (the worker sends
    it, off the request: ``password_link_mail``). No password is ever made, shown or sent; the
    trail records that the link was sent for (not the link)."""
    if not user.email:
        raise ValidationError(f"{user.display_name}没有登记电子邮箱，无法发送设置密码的链接。", code="no_email")
    event_record(
        action="user.password_link",
        obj=user,
        actor=None,
        object_repr=f"设置密码链接 → {user.display_name}",
        changes={"username": user.username, "email": user.email},
    )
    # After the commit: a rolled-back import sends nothing, and the worker sees the user.
    transaction.on_commit(lambda: password_link_mail.enqueue(user.pk), robust=True)


@task()
def password_link_mail(user_id: int) -> str:
    """The background task: e-mail the link. The token is made here, so it is valid from when the
    mail leaves; a user who has set a password meanwhile gets none. A mail server that refuses
    fails the task, which the administrator sees (后台任务) and re-sends from the user list."""
    user = User.objects.get(pk=user_id)
    if user.has_usable_password():
        return "已设置密码，未发送"
    days = settings.PASSWORD_RESET_TIMEOUT // 86400
    body = "\n".join(
        [
            f"{user.display_name}，您好：",
            "",
            f"系统管理员已为您开通社区党组织服务群众专项经费管理系统的账号，用户名：{user.username}。",
            f"请在 {days} 天内打开下面的链接，设置您自己的密码（链接只能使用一次）：",
            "",
            password_link(user),
            "",
            "如果链接已过期或已使用，请联系系统管理员重新发送。系统不会通过邮件向您发送密码。",
        ]
    )
    EmailMessage("【专项经费】请设置您的登录密码", body, settings.DEFAULT_FROM_EMAIL, [user.email]).send()
    return "已发送"
