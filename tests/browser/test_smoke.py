import pytest

from fundadmin.roles import Role
from tests.conftest import login
from tests.factories import user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_logs_in_and_sees_inbox(page, community):
    user_with_role(Role.COMMUNITY_SECRETARY, community, username="sec")
    login(page, "sec")
    assert page.locator("h1").inner_text() == "待办事项"
    assert "社区党委书记" in page.content()


def test_public_board_on_a_phone(phone, community):
    phone.goto(phone.base + "/")
    assert community.name in phone.content()
    # Nothing overflows sideways on a 360 px screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
