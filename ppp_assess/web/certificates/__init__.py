"""Certificates: issue, download, revoke, and public verification."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

from ppp_assess.web.navigation import NavItem, add_nav_item

bp = Blueprint("certificates", __name__)


def init_app(app: Flask) -> None:
    """Register this feature's navigation entries and check the signing key in production."""
    from ppp_assess.config import get_settings
    from ppp_assess.services import permissions, signing

    settings = get_settings(app)
    if settings.is_production:
        # Fails the start-up, rather than the first certificate, when no key is configured.
        signing.signing_key(settings)
    add_nav_item(app, NavItem("certificates.index", _l("Certificates"),
                              permissions.can_issue_certificates, 60))
    add_nav_item(app, NavItem("certificates.lookup", _l("Verify a certificate"),
                              permissions.anyone, 90))


from ppp_assess.web.certificates import views  # noqa: E402,F401  (registers the routes)
