"""Web adapters: blueprints, templates, locale selection and the JSON API."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from ppp_assess.extensions import login_manager
from ppp_assess.models import User, get_session


def _load_user(identity: str) -> User | None:
    """Load the signed-in user, refusing sessions from an older session version."""
    user_id, _, version = identity.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = get_session().scalar(select(User).where(User.id == int(user_id)))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def register_blueprints(app: Flask) -> None:
    """Register every blueprint and error handler; this is the only list of them."""
    from ppp_assess.web import errors
    from ppp_assess.web.health import bp as health_bp
    from ppp_assess.web.main import bp as main_bp

    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.session_protection = "strong"

    app.register_blueprint(health_bp)
    app.register_blueprint(main_bp)
    errors.init_app(app)
