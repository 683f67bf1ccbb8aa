"""Bearer-token authentication, role/organization authorisation and the patient-data audit trail.

Tokens are JWTs verified with PyJWT: HS256 with a shared secret, or RS256 with the identity
provider's public key (settings decide). The token carries the caller's organization (`org`)
and roles (`roles`, e.g. `["claims:write", "claims:read"]`); an `org` outside the documented
format (`shared.ids`) or an oversized `sub` makes the token invalid. Missing/invalid/expired tokens
are 401; a valid token lacking the route's role is 403; data of another organization is
reported as 404 by the routes themselves, so its existence is not disclosed.

Every read of patient data is recorded in `audit_log` (who, what, when, outcome) in the
same transaction as the read; the log never holds the patient data itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
import sqlalchemy as sa
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Connection

from shared.config import BaseServiceSettings
from shared.eventstore.schema import AwareDateTime
from shared.ids import ORGANIZATION_ID_MAX, SUBJECT_MAX, is_organization_id, is_printable

log = logging.getLogger(__name__)

ROLE_CLAIMS_WRITE = "claims:write"
ROLE_CLAIMS_READ = "claims:read"
ROLE_ACCOUNTS_READ = "accounts:read"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: a person or a program, acting for one organization."""

    subject: str
    organization_id: str
    roles: frozenset[str]

    def has_role(self, role: str) -> bool:
        return role in self.roles


class AuthenticationError(Exception):
    """The token is missing, malformed, badly signed, expired or for another audience."""


class TokenVerifier:
    """Verifies bearer JWTs: signature, expiry (required), audience; extracts the principal."""

    def __init__(
        self,
        *,
        algorithm: str,
        audience: str,
        secret: str = "",
        public_key: str = "",
        leeway_seconds: int = 30,
    ) -> None:
        if algorithm not in ("HS256", "RS256"):
            raise ValueError(f"unsupported token algorithm {algorithm!r}: use HS256 or RS256")
        key = public_key if algorithm == "RS256" else secret
        if not key:
            raise ValueError(
                f"{algorithm} token verification needs "
                + ("AUTH_JWT_PUBLIC_KEY" if algorithm == "RS256" else "AUTH_JWT_SECRET")
            )
        self._algorithm = algorithm
        self._key = key
        self._audience = audience
        self._leeway = leeway_seconds

    @classmethod
    def from_settings(cls, settings: BaseServiceSettings) -> TokenVerifier:
        return cls(
            algorithm=settings.auth_jwt_algorithm,
            audience=settings.auth_jwt_audience,
            secret=settings.auth_jwt_secret,
            public_key=settings.auth_jwt_public_key,
        )

    def verify(self, token: str) -> Principal:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key,
                # Only the configured algorithm: never let the token choose (alg confusion).
                algorithms=[self._algorithm],
                audience=self._audience,
                leeway=self._leeway,
                options={"require": ["exp", "sub", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthenticationError("token expired") from exc
        except jwt.InvalidTokenError as exc:
            raise AuthenticationError(f"invalid token: {exc}") from exc
        org = claims.get("org")
        roles = claims.get("roles", [])
        subject = claims["sub"]
        if not isinstance(org, str) or not org:
            raise AuthenticationError("invalid token: no 'org' claim")
        if not is_organization_id(org):
            raise AuthenticationError(
                f"invalid token: 'org' must be 1-{ORGANIZATION_ID_MAX} ASCII letters, digits, "
                "'.', '_', ':' or '-', beginning with a letter or digit"
            )
        if (
            not isinstance(subject, str)
            or not 1 <= len(subject) <= SUBJECT_MAX
            or not is_printable(subject)
        ):
            raise AuthenticationError(
                f"invalid token: 'sub' must be 1-{SUBJECT_MAX} printable characters"
            )
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise AuthenticationError("invalid token: 'roles' must be a list of strings")
        return Principal(subject=subject, organization_id=org, roles=frozenset(roles))


def issue_token(
    *,
    subject: str,
    organization_id: str,
    roles: Iterable[str],
    secret: str,
    audience: str = "revcycle",
    lifetime: timedelta = timedelta(hours=1),
    now: datetime | None = None,
    algorithm: str = "HS256",
) -> str:
    """Mint a token (tests, the demo, local tooling). Production tokens come from the IdP."""
    issued = now or datetime.now(UTC)
    payload = {
        "sub": subject,
        "org": organization_id,
        "roles": sorted(roles),
        "aud": audience,
        "iat": issued,
        "exp": issued + lifetime,
    }
    return jwt.encode(payload, secret, algorithm=algorithm)


# --- FastAPI dependencies -------------------------------------------------------------------

_bearer = HTTPBearer(auto_error=False)


def _unauthorised(detail: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": "Bearer"},
    )


def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller, from the Authorization header; the verifier lives on `app.state`."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorised("missing bearer token")
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        return verifier.verify(credentials.credentials)
    except AuthenticationError as exc:
        # The reason goes to the caller; the token itself is never logged.
        log.info("rejected bearer token: %s", exc)
        raise _unauthorised(str(exc)) from exc


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_role(role: str) -> Callable[[Principal], Principal]:
    """A dependency that admits only principals holding `role` (403 otherwise)."""

    def _check(principal: PrincipalDep) -> Principal:
        if not principal.has_role(role):
            raise HTTPException(
                status_code=status.HTTP_403_FORBIDDEN, detail=f"role {role!r} required"
            )
        return principal

    return _check


# --- Audit trail ----------------------------------------------------------------------------

audit_metadata = sa.MetaData()

audit_log = sa.Table(
    "audit_log",
    audit_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", AwareDateTime(), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("organization_id", sa.String(100), nullable=False),  # ids are at most 64
    sa.Column("action", sa.String(50), nullable=False),
    sa.Column("resource_type", sa.String(50), nullable=False),
    sa.Column("resource_id", sa.String(200), nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False),
)


def record_access(
    conn: Connection,
    principal: Principal,
    *,
    action: str,
    resource_type: str,
    resource_id: str,
    outcome: str,
    at: datetime | None = None,
) -> None:
    """Write one audit row in the caller's transaction (who read what, when, and the outcome)."""
    conn.execute(
        audit_log.insert().values(
            at=at or datetime.now(UTC),
            subject=principal.subject,
            organization_id=principal.organization_id,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            outcome=outcome,
        )
    )
