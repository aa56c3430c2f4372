"""Test helpers for the second factor: enrol a user in TOTP (with recovery codes) and read codes."""

import time

from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value


def enrol_totp(user) -> str:
    """Give `user` a TOTP authenticator and recovery codes; returns the TOTP secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def wrong_code(secret: str) -> str:
    right = current_code(secret)
    return "000000" if right != "000000" else "111111"


def recovery_codes(user) -> list[str]:
    from allauth.mfa.models import Authenticator

    return RecoveryCodes(Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)).get_unused_codes()
