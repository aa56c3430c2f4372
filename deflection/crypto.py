"""Field-level encryption at rest and keyed hashes for matching (SECURITY.md 10).

- Encrypted fields store Fernet tokens. FIELD_ENCRYPTION_KEYS is a list of keys:
  the first encrypts, all of them decrypt, so a key is rotated by putting a new
  one first and running `manage.py rotate_keys` to re-encrypt every row.
- Blind indexes are HMAC-SHA256 digests of normalized values under
  BLIND_INDEX_KEY, so duplicate detection compares digests, never clear text.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import unicodedata
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty")
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def fernet() -> MultiFernet:
    return _multifernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt_str(value: str) -> str:
    return fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt_str(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored value could not be decrypted with any key in FIELD_ENCRYPTION_KEYS "
            "(was a key removed before `rotate_keys` ran?)"
        ) from exc


def rotate_token(token: str) -> str:
    """Re-encrypt a token under the first (current) key."""
    return fernet().rotate(token.encode("ascii")).decode("ascii")


def blind_index(*parts: str) -> str:
    """Keyed hash of already-normalized parts; equal inputs give equal digests."""
    message = "\x1f".join(parts).encode("utf-8")
    return hmac.new(settings.BLIND_INDEX_KEY.encode("utf-8"), message, hashlib.sha256).hexdigest()


def normalize_name(value: str) -> str:
    """Case-, accent-, space- and punctuation-insensitive form of a name."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    letters = [c for c in decomposed if c.isalpha()]
    return "".join(letters).lower()


class EncryptedTextField(models.TextField):
    """A text field stored as a Fernet token. It cannot be filtered or ordered on."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt_str(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_str(str(value))


class UntimedEncryptedTextField(EncryptedTextField):
    """An encrypted text field whose token does not carry the time it was written.

    A Fernet token holds its creation time in clear; for an anonymous answer waiting for its
    batch that time would line it up with its writer's sign-in. The token is stamped 0
    instead (MultiFernet.rotate keeps the stamp, so `rotate_keys` does not add a time back).
    """

    def get_prep_value(self, value):
        value = models.TextField.get_prep_value(self, value)
        if value is None or value == "":
            return value
        return fernet().encrypt_at_time(str(value).encode("utf-8"), 0).decode("ascii")


class EncryptedDateField(models.TextField):
    """A date stored as an encrypted ISO string; Python sees a datetime.date."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return None
        return datetime.date.fromisoformat(decrypt_str(value))

    def to_python(self, value):
        if value is None or value == "" or isinstance(value, datetime.date):
            return value or None
        return datetime.date.fromisoformat(str(value))

    def get_prep_value(self, value):
        if value is None or value == "":
            return None
        if isinstance(value, datetime.date):
            value = value.isoformat()
        return encrypt_str(str(value))

    def formfield(self, **kwargs):
        return forms.DateField(**{"required": not self.blank, **kwargs})
