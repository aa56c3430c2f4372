"""The cache's serializer: pickle, signed with a key derived from SECRET_KEY (issue 10).

Django's Redis cache unpickles whatever it reads, so anyone able to write to Redis could run code
in the app by planting a pickle. Here every value is stored as a version byte, an HMAC-SHA256 of
the pickle and the pickle; a value whose signature does not match (planted, altered, or signed
with a key since retired) is never unpickled and reads as a miss (None), with a warning that
names no key and no value. Integers stay plain, as in Django's serializer, so `incr` works.
Set through CACHES["default"]["OPTIONS"]["serializer"].
"""

from __future__ import annotations

import hmac
import logging
import pickle
from typing import Any

from django.conf import settings
from django.utils.crypto import salted_hmac

logger = logging.getLogger(__name__)

VERSION = b"\x01"
SALT = "deflection.cache_serializer"
DIGEST_SIZE = 32


def _signature(payload: bytes, secret: str) -> bytes:
    return salted_hmac(SALT, payload, secret=secret, algorithm="sha256").digest()


class SignedPickleSerializer:
    def __init__(self, protocol: int | None = None) -> None:
        self.protocol = pickle.HIGHEST_PROTOCOL if protocol is None else protocol

    def dumps(self, obj: Any) -> bytes | int:
        # Only true ints stay plain (bool is an int, but must come back as a bool).
        if type(obj) is int:
            return obj
        payload = pickle.dumps(obj, self.protocol)
        return VERSION + _signature(payload, settings.SECRET_KEY) + payload

    def loads(self, data: bytes) -> Any:
        try:
            return int(data)
        except ValueError:
            pass
        if not data.startswith(VERSION) or len(data) <= 1 + DIGEST_SIZE:
            return self._refuse()
        signature, payload = data[1 : 1 + DIGEST_SIZE], data[1 + DIGEST_SIZE :]
        secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
        if not any(hmac.compare_digest(signature, _signature(payload, secret)) for secret in secrets):
            return self._refuse()
        return pickle.loads(payload)  # noqa: S301  (signed by us: see the module docstring)

    @staticmethod
    def _refuse() -> None:
        logger.warning("cache value with a missing or wrong signature ignored")
        return None
