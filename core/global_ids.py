"""Global ids as clients hold them: "<Type>:<primary key>" in URL-safe base64 (Relay).

Encoding lives here so the worker can name objects the way the API does (webhook payloads);
decoding, which checks who asks, stays with the use cases (resolvers.ids).
"""

from __future__ import annotations

import base64


def to_global_id(type_name: str, raw_id: object) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{raw_id}".encode()).decode()
