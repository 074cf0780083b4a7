import pytest


@pytest.mark.django_db
def test_login_page_is_chinese(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_dashboard_for_principal(client_for, principal):
    response = client_for(principal).get("/")
    assert response.status_code == 200
    assert "城关第一初级中学" in response.content.decode()
