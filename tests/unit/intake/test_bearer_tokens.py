"""Token verification: HS256 and RS256, audience, expiry, required claims, algorithm pinning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.auth import AuthenticationError, TokenVerifier, issue_token

SECRET = "hs-secret-for-tests-0123456789abcdef0123"


def _rsa_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def test_hs256_token_yields_subject_org_and_roles() -> None:
    verifier = TokenVerifier(algorithm="HS256", audience="revcycle", secret=SECRET)
    token = issue_token(
        subject="u-1", organization_id="org-a", roles=["claims:read"], secret=SECRET
    )
    principal = verifier.verify(token)
    assert principal.subject == "u-1"
    assert principal.organization_id == "org-a"
    assert principal.roles == frozenset({"claims:read"})


def test_rs256_token_from_the_identity_provider_is_verified_with_its_public_key() -> None:
    private, public = _rsa_pair()
    verifier = TokenVerifier(algorithm="RS256", audience="revcycle", public_key=public)
    token = issue_token(
        subject="svc-engine",
        organization_id="org-a",
        roles=["claims:write"],
        secret=private,
        algorithm="RS256",
    )
    assert verifier.verify(token).subject == "svc-engine"
    _, other_public = _rsa_pair()
    stranger = TokenVerifier(algorithm="RS256", audience="revcycle", public_key=other_public)
    with pytest.raises(AuthenticationError):
        stranger.verify(token)


def test_an_hs256_token_is_refused_by_an_rs256_verifier() -> None:
    # Algorithm confusion: a token signed with HS256 using the public key as the secret.
    _, public = _rsa_pair()
    verifier = TokenVerifier(algorithm="RS256", audience="revcycle", public_key=public)
    forged = jwt.encode(
        {"sub": "x", "org": "o", "aud": "revcycle", "exp": datetime.now(UTC) + timedelta(hours=1)},
        "a-secret-that-is-not-the-key-0123456789",
        algorithm="HS256",
    )
    with pytest.raises(AuthenticationError):
        verifier.verify(forged)


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"sub": "u", "org": "o", "aud": "someone-else"}, "invalid token"),
        ({"sub": "u", "org": "o", "aud": "revcycle", "exp": -60}, "expired"),
        ({"sub": "u", "org": "o", "aud": "revcycle", "no_exp": True}, "invalid token"),
        ({"sub": "u", "aud": "revcycle"}, "no 'org' claim"),
        ({"sub": "u", "org": "o", "aud": "revcycle", "roles": "claims:read"}, "roles"),
    ],
)
def test_bad_tokens_are_refused_with_a_reason(claims: dict[str, object], reason: str) -> None:
    verifier = TokenVerifier(algorithm="HS256", audience="revcycle", secret=SECRET)
    payload = dict(claims)
    now = datetime.now(UTC)
    offset = payload.pop("exp", 3600)
    assert isinstance(offset, int)
    if not payload.pop("no_exp", False):
        payload["exp"] = now + timedelta(seconds=offset)
    token = jwt.encode(payload, SECRET, algorithm="HS256")
    with pytest.raises(AuthenticationError, match=reason):
        verifier.verify(token)


def test_a_verifier_without_a_key_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="AUTH_JWT_PUBLIC_KEY"):
        TokenVerifier(algorithm="RS256", audience="revcycle")
    with pytest.raises(ValueError, match="unsupported"):
        TokenVerifier(algorithm="none", audience="revcycle", secret=SECRET)
