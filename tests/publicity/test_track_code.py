"""Art. 10: a resident looks up an objection by its tracking code. Whatever is typed, the page
answers in Chinese; a value that cannot be a code never reaches the database (PostgreSQL refuses
a NUL byte in a text parameter, which was a 500)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", ["a\x00b", "<script>", "码码码", "AB-CD", "' OR 1=1 --"])
def test_a_code_of_other_characters_is_refused_without_a_query(client, typed, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/objection/", {"code": typed})
    assert response.status_code == 200
    assert "查询码只含数字和英文字母" in response.content.decode()
