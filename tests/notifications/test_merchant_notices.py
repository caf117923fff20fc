"""A merchant's notice reaches each of its active users once, in the user's language, with an e-mail
copy in the outbox for those who have an address: one statement however many users."""

import pytest
from django.conf import settings

from notifications.models import Delivery, Notification
from tests.factories import MerchantFactory, device_in_warranty, file_ticket, merchant_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def readers(sla_policy):
    shop = MerchantFactory()
    return {
        "english": merchant_user(shop, username="reads-english", language="en"),
        "chinese": merchant_user(shop, username="reads-chinese", language="zh-hans", email=""),
        "site": merchant_user(shop, username="reads-the-site-language", language=""),
        "gone": merchant_user(shop, username="left-the-shop", is_active=False),
    }


def test_it_tells_every_active_user_in_their_language_and_mails_those_with_an_address(readers):
    ticket = file_ticket(readers["english"], device=device_in_warranty(readers["english"].merchant))

    notices = {n.recipient.username: n for n in Notification.objects.filter(ticket=ticket)}
    assert set(notices) == {"reads-english", "reads-chinese", "reads-the-site-language"}
    assert notices["reads-english"].subject == f"We received your request {ticket.number}"
    assert notices["reads-chinese"].subject == f"我们已收到您的报修 {ticket.number}"
    site = notices["reads-english"] if settings.LANGUAGE_CODE == "en" else notices["reads-chinese"]
    assert notices["reads-the-site-language"].subject == site.subject
    assert all(n.link == f"/tickets/{ticket.number}/" and n.read_at is None for n in notices.values())

    mails = Delivery.objects.filter(ticket=ticket, channel=Delivery.Channel.EMAIL)
    assert {(m.recipient.username, m.source, m.subject) for m in mails} == {
        (name, f"notification:{notices[name].pk}", notices[name].subject)
        for name in ("reads-english", "reads-the-site-language")
    }
    assert all(m.available_at == m.created_at and m.attempts == 0 and m.sent_at is None for m in mails)


def test_it_costs_one_statement_whoever_reads_it(readers, django_assert_num_queries):
    from tickets.notices import merchant_notify

    ticket = file_ticket(readers["english"], device=device_in_warranty(readers["english"].merchant))
    with django_assert_num_queries(1):
        merchant_notify(ticket=ticket, compose=lambda: ("Subject", "Body"))
    assert Notification.objects.filter(ticket=ticket, subject="Subject").count() == 3
    assert Delivery.objects.filter(ticket=ticket, subject="Subject").count() == 2


def test_a_query_that_finds_nobody_tells_nobody(readers, django_assert_num_queries):
    from accounts.models import User
    from notifications.services import notify_users_where

    with django_assert_num_queries(0):
        notify_users_where(users=User.objects.none(), compose=lambda: ("Subject", "Body"))
    assert not Notification.objects.filter(subject="Subject").exists()
