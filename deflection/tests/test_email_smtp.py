"""Password reset email reaches a real SMTP server on 127.0.0.1 and carries only a link."""

import time

from django.urls import reverse


def test_password_reset_email_arrives_over_smtp_with_a_link_and_no_name(client, world, smtp_server):
    response = client.post(reverse("account_reset_password"), {"email": world.officer.email})
    assert response.status_code == 302
    deadline = time.monotonic() + 10
    while not smtp_server.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(smtp_server.messages) == 1
    envelope = smtp_server.messages[0]
    assert envelope.rcpt_tos == [world.officer.email]
    body = envelope.content.decode()
    assert "/accounts/password/reset/key/" in body
    assert world.officer.first_name not in body
    assert world.officer.last_name not in body
