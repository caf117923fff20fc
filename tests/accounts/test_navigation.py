"""The header's navigation is drawn once per process for each role and language
(accounts.templatetags.navigation): each role still gets its own links, in its own language."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def nav_of(client, user, language="en") -> str:
    client.force_login(user)
    page = client.get(reverse("devices:list"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    return re.search(r'<nav class="nav".*?</nav>', page, re.S).group(0)


def test_each_role_and_language_gets_its_own_navigation(client, dispatcher, merchant):
    for _ in range(2):  # drawn, then reused
        assert "Console" in nav_of(client, dispatcher) and "My requests" not in nav_of(client, dispatcher)
        assert "My requests" in nav_of(client, merchant) and "Console" not in nav_of(client, merchant)
        assert "调度台" in nav_of(client, dispatcher, "zh-hans") and "Console" not in nav_of(
            client, dispatcher, "zh-hans"
        )
