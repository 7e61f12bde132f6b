"""The organisation's members: listing, inviting, changing roles and removing."""

from __future__ import annotations

import logging

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ppp_assess.config import get_settings
from ppp_assess.domain.reference import OrgRole
from ppp_assess.models import Organisation
from ppp_assess.services import accounts, permissions, tokens
from ppp_assess.services.errors import Conflict, Invalid
from ppp_assess.unit_of_work import get_session
from ppp_assess.web.auth.forms import add_service_error
from ppp_assess.web.errors import refuse
from ppp_assess.web.locale import current_locale_info
from ppp_assess.web.organisations import bp
from ppp_assess.web.organisations.forms import (
    ROLE_LABELS,
    ConfirmForm,
    InviteForm,
    MemberRoleForm,
)
from ppp_assess.web.security import current_actor, login_required

log = logging.getLogger(__name__)


@bp.get("/")
@login_required
def index() -> str:
    """List the organisations the user belongs to."""
    rows = accounts.my_organisations(get_session(), current_actor())
    return render_template("organisations/index.html", rows=rows, role_labels=ROLE_LABELS)


def _members_page(organisation: Organisation, invite_form: InviteForm,
                  status: int = 200) -> tuple[str, int]:
    db = get_session()
    actor = current_actor()
    return render_template(
        "organisations/members.html",
        organisation=organisation,
        members=accounts.list_members(db, organisation),
        can_manage=permissions.can_manage_members(db, actor, organisation),
        invite_form=invite_form,
        role_form=MemberRoleForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None),
        role_labels=ROLE_LABELS,
        actor=actor,
    ), status


@bp.get("/<int:organisation_id>/members")
@login_required
def members(organisation_id: int) -> tuple[str, int]:
    """Show the organisation's members (and, to its administrators, what they can change)."""
    organisation = permissions.get_organisation(get_session(), current_actor(), organisation_id)
    return _members_page(organisation, InviteForm(formdata=None))


@bp.post("/<int:organisation_id>/members/invite")
@login_required
def invite(organisation_id: int) -> Response | tuple[str, int]:
    """Invite someone to the organisation by e-mail."""
    db = get_session()
    actor = current_actor()
    organisation = permissions.get_managed_organisation(db, actor, organisation_id)
    form = InviteForm()
    if not form.validate_on_submit():
        return _members_page(organisation, form, 422)
    try:
        invitation = accounts.invite_member(db, actor, organisation_id,
                                            email=form.email.data or "",
                                            name=form.name.data or "",
                                            role=OrgRole(form.role.data),
                                            locale=current_locale_info().code)
    except (Invalid, Conflict) as error:
        add_service_error(form, error, "email")
        return _members_page(organisation, form, error.status)
    # The same answer whether or not the address had an account.
    flash(_("We have sent an invitation to %(email)s.", email=invitation.user.email), "info")
    return redirect(url_for("organisations.members", organisation_id=organisation_id))


@bp.post("/<int:organisation_id>/members/<int:user_id>/role")
@login_required
def change_role(organisation_id: int, user_id: int) -> Response:
    """Change a member's role."""
    db = get_session()
    actor = current_actor()
    permissions.get_managed_organisation(db, actor, organisation_id)
    form = MemberRoleForm()
    if not form.validate_on_submit():
        flash(_("Choose a role."), "error")
        return redirect(url_for("organisations.members", organisation_id=organisation_id))
    try:
        membership = accounts.set_member_role(db, actor, organisation_id, user_id,
                                              OrgRole(form.role.data))
    except Conflict as error:
        flash(refuse(error), "error")
    else:
        flash(_("%(name)s is now: %(role)s.", name=membership.user.name,
                role=ROLE_LABELS[membership.role.value]), "info")
    return redirect(url_for("organisations.members", organisation_id=organisation_id))


@bp.post("/<int:organisation_id>/members/<int:user_id>/remove")
@login_required
def remove(organisation_id: int, user_id: int) -> Response:
    """Remove a member from the organisation."""
    db = get_session()
    actor = current_actor()
    permissions.get_managed_organisation(db, actor, organisation_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("organisations.members", organisation_id=organisation_id))
    try:
        user = accounts.remove_member(db, actor, organisation_id, user_id)
    except Conflict as error:
        flash(refuse(error), "error")
    else:
        flash(_("%(name)s is no longer a member.", name=user.name), "info")
    return redirect(url_for("organisations.members", organisation_id=organisation_id))


@bp.route("/join/<token>", methods=["GET", "POST"])
@login_required
def join(token: str) -> str | Response | tuple[str, int]:
    """Let an invited person with an account accept, or leave, an invitation to join."""
    db = get_session()
    actor = current_actor()
    try:
        claims = tokens.read_link_token(get_settings(current_app).secret_key,
                                        tokens.MEMBERSHIP, token)
    except tokens.InvalidLink as error:
        return render_template("organisations/join.html", problem=refuse(error)), error.status
    if claims.user_id != actor.id or claims.role not in ROLE_LABELS:
        abort(404)
    organisation = db.get(Organisation, claims.organisation_id or 0)
    if organisation is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            accounts.accept_membership(db, actor, claims)
        except Conflict as error:
            return render_template("organisations/join.html", problem=refuse(error),
                                   organisation=organisation), error.status
        flash(_("You are now a member of %(organisation)s.", organisation=organisation.name),
              "info")
        return redirect(url_for("organisations.members", organisation_id=organisation.id))
    return render_template("organisations/join.html", form=form, organisation=organisation,
                           role=ROLE_LABELS[claims.role],
                           member=permissions.is_member(db, actor, organisation.id))
