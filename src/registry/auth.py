"""Bearer tokens: created by the CLI, stored as SHA-256 only, checked on every write."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from registry.models import ApiToken
from registry.models.base import utcnow

ROLES = ("editor", "admin")
PREFIX = "reg_"


@dataclass(frozen=True)
class Actor:
    name: str
    role: str

    def require(self, role: str) -> None:
        if ROLES.index(self.role) < ROLES.index(role):
            raise Forbidden(f"this needs the {role} role; token {self.name!r} is {self.role}")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, name: str, role: str, expires_in_days: int | None) -> str:
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}")
    if not name or len(name) > 100:
        raise InvalidInput("name must be 1 to 100 characters")
    if session.scalar(select(ApiToken.id).where(ApiToken.name == name)):
        raise Conflict(f"a token named {name!r} already exists")
    token = PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    session.add(ApiToken(name=name, role=role, token_hash=hash_token(token), expires_at=expires))
    return token


def revoke_token(session: Session, name: str) -> None:
    token = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if token is None:
        raise NotFound(f"no token named {name!r}")
    token.revoked_at = token.revoked_at or utcnow()


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.name)))


def authenticate(session: Session, authorization: str | None, now: datetime | None = None) -> Actor:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send Authorization: Bearer <token>")
    record = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hash_token(token.strip()))
    )
    now = now or utcnow()
    if record is None:
        raise Unauthorized("unknown token")
    if record.revoked_at is not None:
        raise Unauthorized("token revoked")
    if record.expires_at is not None and record.expires_at <= now:
        raise Unauthorized("token expired")
    return Actor(record.name, record.role)
