"""Access tokens: forged ones are refused; rotation keeps old tokens valid until retirement."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from resolvers.auth.keyring import JwtKey, load_ring, retire, save_keys, signing_key, utcnow
from resolvers.auth.tokens import authenticate_bearer, decode_access_token, issue_access_token


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def kid_of(token: str) -> str:
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    return str(header["kid"])


def claims_for(user_id: uuid.UUID, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": "clipforge",
        "sub": str(user_id),
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def hs(header: dict[str, Any], claims: dict[str, Any], secret: bytes, alg: str = "HS512") -> str:
    return jwt.encode(header, claims, OctKey.import_key(secret), algorithms=[alg])


def raw_token(header: dict[str, Any], claims: dict[str, Any], secret: bytes, digest: Any) -> str:
    """Hand-made JWS, for algorithms a careful library refuses to produce."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret, signing_input.encode(), digest).digest() if secret else b""
    return f"{signing_input}.{b64(signature)}"


@pytest.fixture
async def forgeries(make_user: Any, key_ring: None) -> dict[str, str]:
    user, good = await make_user()
    key = signing_key()
    old = JwtKey("retired-key", secrets.token_bytes(64), utcnow() - timedelta(days=61))
    revoked = JwtKey("revoked-key", secrets.token_bytes(64), utcnow() - timedelta(days=1))
    save_keys([*load_ring().keys, old, revoked])
    assert retire("revoked-key")
    rsa = RSAKey.generate_key(2048)
    head = {"alg": "HS512", "kid": key.kid, "typ": "JWT"}
    valid = claims_for(user.id)
    header_b64, payload_b64, signature_b64 = good.split(".")
    tampered_claims = json.loads(base64.urlsafe_b64decode(payload_b64 + "=="))
    tampered_claims["sub"] = str(uuid.uuid4())
    tampered_b64 = b64(json.dumps(tampered_claims).encode())
    none_header = b64(json.dumps({"alg": "none"}).encode())
    return {
        "alg none": raw_token({"alg": "none", "kid": key.kid}, valid, b"", None),
        "alg none, unsigned copy": f"{none_header}.{payload_b64}.",
        "HS256 with the ring key": hs({**head, "alg": "HS256"}, valid, key.secret, "HS256"),
        "RS256 with an attacker key": jwt.encode(
            {"alg": "RS256", "kid": key.kid}, valid, rsa, algorithms=["RS256"]
        ),
        "RS256 header, HMAC signature": raw_token(
            {"alg": "RS256", "kid": key.kid}, valid, key.secret, hashlib.sha256
        ),
        "HS512 signed with a public key as secret": raw_token(
            head, valid, rsa.as_pem(private=False), hashlib.sha512
        ),
        "wrong key": hs(head, valid, secrets.token_bytes(64)),
        "expired": hs(
            head,
            claims_for(user.id, iat=int(time.time()) - 1200, exp=int(time.time()) - 60),
            key.secret,
        ),
        "issued in the future": hs(
            head, claims_for(user.id, iat=int(time.time()) + 600), key.secret
        ),
        "retired kid (age)": hs({**head, "kid": old.kid}, valid, old.secret),
        "retired kid (revoked)": hs({**head, "kid": revoked.kid}, valid, revoked.secret),
        "unknown kid": hs({**head, "kid": "nope"}, valid, key.secret),
        "no kid": hs({"alg": "HS512"}, valid, key.secret),
        "extra header (jku)": hs({**head, "jku": "https://evil.example/jwks"}, valid, key.secret),
        "tampered payload": f"{header_b64}.{tampered_b64}.{signature_b64}",
        "no exp": hs(head, claims_for(user.id, exp=None), key.secret),
        "no jti": hs(head, claims_for(user.id, jti=None), key.secret),
        "other issuer": hs(head, claims_for(user.id, iss="someone-else"), key.secret),
        "sub not a uuid": hs(head, claims_for(user.id, sub="admin"), key.secret),
        "user does not exist": hs(head, claims_for(uuid.uuid4()), key.secret),
        "not a jwt": "definitely.not.a-jwt",
        "empty": "",
        "huge": "a" * 10_000,
        "good": good,
    }


async def test_forged_tokens_are_refused(forgeries: dict[str, str]) -> None:
    good = forgeries.pop("good")
    assert await authenticate_bearer(good) is not None
    accepted = [name for name, token in forgeries.items() if await authenticate_bearer(token)]
    assert accepted == []


async def test_forged_tokens_are_unauthenticated_over_http(
    gql: Any, forgeries: dict[str, str]
) -> None:
    ok = await gql("{ me { id } }", token=forgeries["good"])
    assert ok["data"]["me"]["id"]
    for name in ("alg none", "HS256 with the ring key", "tampered payload", "retired kid (age)"):
        body = await gql("{ me { id } }", token=forgeries[name], expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", name


async def test_rotation_keeps_old_tokens_valid_until_their_key_retires(
    make_user: Any, key_ring: None
) -> None:
    user, _ = await make_user()
    start = utcnow() - timedelta(days=30) + timedelta(minutes=5)
    save_keys([JwtKey("old-key", secrets.token_bytes(64), start)])

    before, _ = issue_access_token(user)
    assert kid_of(before) == "old-key"

    later = time.time() + 600  # the old key is now past its 30 days: it stops signing
    after, _ = issue_access_token(user, now=later)
    assert kid_of(after) != "old-key"
    assert [k.kid for k in load_ring().keys][0] == "old-key"
    # ...but tokens it signed keep working until they expire or the key retires.
    assert decode_access_token(before, now=later) is not None
    assert decode_access_token(after, now=later) is not None

    ring = load_ring()
    old = next(k for k in ring.keys if k.kid == "old-key")
    assert ring.verifier("old-key", start + timedelta(days=59)) == old
    assert ring.verifier("old-key", start + timedelta(days=60)) is None


async def test_first_use_creates_a_private_key_file(key_ring: None) -> None:
    from resolvers.auth.keyring import keys_path

    path = keys_path()
    path.unlink(missing_ok=True)
    key = signing_key()
    assert path.exists() and path.stat().st_mode & 0o777 == 0o600
    assert [k.kid for k in load_ring().keys] == [key.kid]
    assert len(key.secret) == 64
