"""Global ids as clients hold them: "<Type>:<primary key>" in URL-safe base64 (Relay).

Use cases take ids as the client sent them and decode them only after checking who is
asking, so an anonymous or under-scoped caller is refused the same way whatever the input.
"""

from __future__ import annotations

import base64
import binascii
import uuid

from core.errors import DomainError, NotFound
from core.global_ids import to_global_id

__all__ = ["InvalidId", "decode_uuid", "from_global_id", "to_global_id"]


class InvalidId(DomainError):
    def __init__(self, field: str = "id") -> None:
        super().__init__("INVALID_ID", "That id is not valid.", field)


def from_global_id(global_id: str, field: str = "id") -> tuple[str, str]:
    """(type name, raw id) of a global id; a malformed one raises INVALID_ID on `field`."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, raw = base64.urlsafe_b64decode(padded.encode()).decode().split(":", 1)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidId(field) from None
    if not type_name or not raw:
        raise InvalidId(field)
    return type_name, raw


def decode_uuid(global_id: str, expected_type: str, field: str = "id") -> uuid.UUID:
    """The UUID of a global id of `expected_type`: NOT_FOUND for another type's id (as for
    an id that does not exist), INVALID_ID for one that is not an id at all."""
    type_name, raw = from_global_id(global_id, field)
    if type_name != expected_type:
        raise NotFound(expected_type.lower(), field)
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise InvalidId(field) from None
