"""The refresh grace window: a successor pair kept, sealed, on the token it replaced.

Two tabs (or a client retrying after a timeout) may present the same refresh token at once:
the first rotates it, the second would look like a stolen copy and end the session. For a
short window the second gets the pair the first got instead. The pair is sealed with
AES-256-GCM under a key derived (HKDF-SHA256) from the presented token's own secret, with
the row's id as associated data: only whoever holds that token can open it, and a copy of
the database reveals nothing usable.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"clipforge refresh successor v1"
_NONCE = 12


@dataclass(frozen=True)
class SuccessorPair:
    refresh_token: str
    access_token: str
    expires_at: datetime


def _aead(secret: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())
    return AESGCM(key)


def seal(pair: SuccessorPair, secret: str, row_id: str) -> str:
    """The pair encrypted for the row of the token `secret` (which it replaces)."""
    data = json.dumps(
        {
            "refresh": pair.refresh_token,
            "access": pair.access_token,
            "expires_at": pair.expires_at.isoformat(),
        }
    ).encode()
    nonce = os.urandom(_NONCE)
    sealed = _aead(secret).encrypt(nonce, data, row_id.encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def open_sealed(sealed: str, secret: str, row_id: str) -> SuccessorPair | None:
    """The pair, or None when it does not open (another token, another row, tampered)."""
    try:
        raw = base64.urlsafe_b64decode(sealed.encode())
        data = json.loads(_aead(secret).decrypt(raw[:_NONCE], raw[_NONCE:], row_id.encode()))
        return SuccessorPair(
            refresh_token=str(data["refresh"]),
            access_token=str(data["access"]),
            expires_at=datetime.fromisoformat(str(data["expires_at"])),
        )
    except (InvalidTag, ValueError, KeyError, TypeError, binascii.Error):
        return None
