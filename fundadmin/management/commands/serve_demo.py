"""`make demo`'s server: Django's runserver, ending its banner with where to go and how to log in,
in Chinese and English, at the port it actually serves."""

from django.core.management import get_commands, load_command_class

from fundadmin.demo.core import DEFAULT_DEMO_PASSWORD, demo_password

# Whichever runserver the installed apps provide (django.contrib.staticfiles' serves /static/).
Runserver = type(load_command_class(get_commands()["runserver"], "runserver"))


def first_steps(url: str) -> str:
    password = demo_password()
    if password == DEFAULT_DEMO_PASSWORD:
        zh, en = f"密码 {password}", f"password {password}"
    else:
        zh, en = "密码为 DEMO_PASSWORD 环境变量的值", "password: the value of DEMO_PASSWORD"
    return (
        f"演示已启动：在浏览器中打开 {url} ，以 community_secretary 登录（{zh}）；其他角色见上方账号表。\n"
        f"The demo is running: open {url} and log in as community_secretary ({en}); other roles are listed above."
    )


class Command(Runserver):
    help = "运行演示服务器（runserver），并说明打开哪个地址、用哪个账号登录。"

    def on_bind(self, server_port):
        super().on_bind(server_port)
        host = f"[{self.addr}]" if self._raw_ipv6 else ("127.0.0.1" if self.addr in ("0", "0.0.0.0") else self.addr)
        self.stdout.write(self.style.SUCCESS(first_steps(f"{self.protocol}://{host}:{server_port}/")))
