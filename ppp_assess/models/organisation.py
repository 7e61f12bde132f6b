"""Organisations, users, memberships and API tokens."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ppp_assess.domain.reference import OrgRole, PlatformRole
from ppp_assess.models.base import Base, created_at, intpk


def enum_column(enum_class: type, length: int = 32, name: str | None = None) -> Enum:
    """Store an enum by its value in a plain string column, portable across databases."""
    return Enum(
        enum_class,
        name=name or enum_class.__name__.lower(),
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Organisation(Base):
    """A government body, PPP unit or agency that runs assessments."""

    __tablename__ = "organisations"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(200), unique=True)
    #: ISO 3166-1 alpha-2 country code, upper case.
    country: Mapped[str] = mapped_column(String(2), index=True)
    #: Region code from ``domain.reference.REGIONS``.
    region: Mapped[str] = mapped_column(String(32), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[created_at]

    memberships: Mapped[list[Membership]] = relationship(back_populates="organisation")


class User(Base):
    """A person who signs in."""

    __tablename__ = "users"

    id: Mapped[intpk]
    #: Lower-cased e-mail address; the sign-in name.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: argon2id hash; None until the invited user sets a password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: Preferred interface language (a supported locale code).
    locale: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Bumped on sign-out, password change and deactivation; sessions carrying an older
    #: value are refused, which ends them on every server.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[created_at]
    last_login_at: Mapped[dt.datetime | None]

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")
    platform_roles: Mapped[list[PlatformRoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # The sign-in layer asks these of any user object; a stored user is always a signed-in
    # identity, never the anonymous one.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        """Return whether the account may sign in."""
        return self.active

    def get_id(self) -> str:
        """Return the session identity: the id and the current session version."""
        return f"{self.id}:{self.session_version}"

    def has_platform_role(self, role: PlatformRole) -> bool:
        """Return whether the user holds ``role`` across the platform."""
        return any(grant.role == role for grant in self.platform_roles)


class Membership(Base):
    """A user's role in one organisation."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[OrgRole] = mapped_column(enum_column(OrgRole))
    created_at: Mapped[created_at]

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


class PlatformRoleGrant(Base):
    """A platform-wide role (reviewer, evaluator, admin) held by a user."""

    __tablename__ = "platform_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[PlatformRole] = mapped_column(enum_column(PlatformRole))
    created_at: Mapped[created_at]

    user: Mapped[User] = relationship(back_populates="platform_roles")


class ApiToken(Base):
    """A bearer token for scripts; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: Hex SHA-256 of the token; the token itself is shown once and never stored.
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[created_at]
    #: After this moment the token is refused.
    expires_at: Mapped[dt.datetime]
    #: Recorded at most once an hour (a read with a token stays a read).
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
