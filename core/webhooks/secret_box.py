"""Endpoint secrets encrypted at rest, so the worker can still sign with them.

A hash would not do: signing needs the secret itself. Each secret is sealed with AES-256-GCM
(the ``cryptography`` package) under a key derived by HKDF-SHA256 from the server secret
(CLIPFORGE_SECRET_KEY), with the row it belongs to as associated data, so a sealed value
copied to another row or altered does not open. A token is ``v1.<key id>.<base64url of
nonce + ciphertext>``; the key id lets previous server secrets still open old tokens while
new ones are sealed with the current key (rotate the server secret, re-seal at leisure).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = "v1"
_SALT = b"clipforge/webhook-secrets"
_INFO = b"clipforge webhook secret encryption v1"


class SecretUnreadable(Exception):
    """A sealed secret that no configured key opens (wrong key, other row, tampered)."""


def _derive(server_secret: str) -> tuple[str, AESGCM]:
    if not server_secret:
        raise ValueError("the server secret is empty")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(
        server_secret.encode()
    )
    kid = hashlib.sha256(b"key id:" + key).hexdigest()[:8]
    return kid, AESGCM(key)


class SecretBox:
    def __init__(self, server_secret: str, *, previous: Sequence[str] = ()) -> None:
        self._current = _derive(server_secret)
        self._keys = dict([self._current, *(_derive(s) for s in previous)])

    def seal(self, secret: str, *, context: str) -> str:
        """Encrypt for storage in the row named by context (e.g. the webhook's id)."""
        kid, aead = self._current
        nonce = os.urandom(12)
        sealed = aead.encrypt(nonce, secret.encode(), self._aad(kid, context))
        return f"{VERSION}.{kid}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, token: str, *, context: str) -> str:
        try:
            version, kid, data = token.split(".", 2)
            raw = base64.urlsafe_b64decode(data.encode())
        except (ValueError, binascii.Error):
            raise SecretUnreadable("not a sealed secret") from None
        aead = self._keys.get(kid)
        if version != VERSION or aead is None or len(raw) < 12 + 16:
            raise SecretUnreadable("sealed with a key that is not configured")
        try:
            return aead.decrypt(raw[:12], raw[12:], self._aad(kid, context)).decode()
        except InvalidTag:
            raise SecretUnreadable("the sealed secret does not open for this row") from None

    def needs_reseal(self, token: str) -> bool:
        """True when the token was sealed with a previous server secret."""
        return token.split(".", 2)[1:2] != [self._current[0]]

    @staticmethod
    def _aad(kid: str, context: str) -> bytes:
        return f"{VERSION}|{kid}|{context}".encode()
