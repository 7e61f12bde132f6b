"""Platform administration: organisations, users, questionnaire versions and the audit log."""

from __future__ import annotations

import json
import logging

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from ppp_assess.domain.reference import REGIONS, PlatformRole
from ppp_assess.services import accounts, audit_search, board, permissions
from ppp_assess.services import auth as auth_service
from ppp_assess.services.errors import Conflict, Forbidden, Invalid
from ppp_assess.services.questionnaires import list_versions
from ppp_assess.unit_of_work import get_session
from ppp_assess.web.admin import bp
from ppp_assess.web.admin.forms import (
    PLATFORM_ROLE_LABELS,
    AddUserForm,
    AuditFilterForm,
    ConfirmForm,
    OrganisationForm,
    PlatformRoleForm,
    ReviewSettingsForm,
    UserSearchForm,
)
from ppp_assess.web.auth.forms import add_service_error
from ppp_assess.web.errors import refuse
from ppp_assess.web.locale import current_locale_info
from ppp_assess.web.organisations.forms import ROLE_LABELS
from ppp_assess.web.security import current_person, permission_required

log = logging.getLogger(__name__)

USERS_PER_PAGE = 50


def _region_choices() -> list[SelectChoice]:
    return [SelectChoice("", _("Choose a region")),
            *(SelectChoice(code, _(label)) for code, label in REGIONS.items())]


def _role_choices() -> list[SelectChoice]:
    return [SelectChoice(value, str(label)) for value, label in PLATFORM_ROLE_LABELS.items()]


def _page_number() -> int:
    value = request.args.get("page", "1")
    return max(1, int(value)) if value.isdigit() else 1


@bp.get("/")
@permission_required(permissions.can_administer_platform)
def index() -> str:
    """Show what administrators can do."""
    return render_template("admin/index.html")


# --- Organisations ----------------------------------------------------------------------


@bp.get("/organisations")
@permission_required(permissions.can_administer_platform)
def organisations() -> str:
    """List every organisation."""
    rows = accounts.list_organisations(get_session())
    return render_template("admin/organisations.html", rows=rows, regions=REGIONS)


@bp.route("/organisations/new", methods=["GET", "POST"])
@permission_required(permissions.can_administer_platform)
def new_organisation() -> str | Response | tuple[str, int]:
    """Create an organisation."""
    form = OrganisationForm()
    form.region.choices = _region_choices()
    if form.validate_on_submit():
        db = get_session()
        try:
            organisation = accounts.add_organisation(
                db, name=form.name.data or "", country=form.country.data or "",
                region=form.region.data or "", actor_id=current_person().id)
        except (Invalid, Conflict) as error:
            add_service_error(form, error, "name")
            return render_template("admin/organisation_form.html", form=form,
                                   organisation=None), error.status
        flash(_("The organisation %(name)s is created. Invite its first administrator now.",
                name=organisation.name), "info")
        return redirect(url_for("organisations.members", organisation_id=organisation.id))
    return render_template("admin/organisation_form.html", form=form, organisation=None)


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@permission_required(permissions.can_administer_platform)
def edit_organisation(organisation_id: int) -> str | Response | tuple[str, int]:
    """Change an organisation's name, country and region."""
    db = get_session()
    organisation = accounts.get_organisation(db, organisation_id)
    form = OrganisationForm(obj=organisation if request.method == "GET" else None)
    form.region.choices = _region_choices()
    if form.validate_on_submit():
        try:
            accounts.update_organisation(db, organisation, name=form.name.data or "",
                                         country=form.country.data or "",
                                         region=form.region.data or "",
                                         actor_id=current_person().id)
        except (Invalid, Conflict) as error:
            add_service_error(form, error, "name")
            return render_template("admin/organisation_form.html", form=form,
                                   organisation=organisation,
                                   confirm_form=ConfirmForm(formdata=None)), error.status
        flash(_("The organisation is saved."), "info")
        return redirect(url_for("admin.organisations"))
    return render_template("admin/organisation_form.html", form=form, organisation=organisation,
                           confirm_form=ConfirmForm(formdata=None))


def _set_organisation_active(organisation_id: int, active: bool) -> Response:
    db = get_session()
    organisation = accounts.get_organisation(db, organisation_id)
    ConfirmForm().validate_on_submit()
    accounts.set_organisation_active(db, organisation, active, actor_id=current_person().id)
    if active:
        flash(_("%(name)s is active again.", name=organisation.name), "info")
    else:
        flash(_("%(name)s is deactivated.", name=organisation.name), "info")
    return redirect(url_for("admin.edit_organisation", organisation_id=organisation_id))


@bp.post("/organisations/<int:organisation_id>/deactivate")
@permission_required(permissions.can_administer_platform)
def deactivate_organisation(organisation_id: int) -> Response:
    """Deactivate an organisation: it takes no new members."""
    return _set_organisation_active(organisation_id, False)


@bp.post("/organisations/<int:organisation_id>/activate")
@permission_required(permissions.can_administer_platform)
def activate_organisation(organisation_id: int) -> Response:
    """Activate a deactivated organisation."""
    return _set_organisation_active(organisation_id, True)


# --- Users ------------------------------------------------------------------------------


@bp.get("/users")
@permission_required(permissions.can_administer_platform)
def users() -> str:
    """List and search users."""
    form = UserSearchForm(request.args)
    query = (form.q.data or "") if form.validate() else ""
    page = accounts.search_users(get_session(), query, page=_page_number(),
                                 per_page=USERS_PER_PAGE)
    return render_template("admin/users.html", form=form, page=page, query=query,
                           role_labels=PLATFORM_ROLE_LABELS)


@bp.route("/users/new", methods=["GET", "POST"])
@permission_required(permissions.can_administer_platform)
def new_user() -> str | Response | tuple[str, int]:
    """Open an account and mail its holder a link to choose a password."""
    form = AddUserForm()
    form.role.choices = [SelectChoice("", _("None")), *_role_choices()]
    if form.validate_on_submit():
        db = get_session()
        actor = current_person()
        try:
            user = accounts.add_user(db, email=form.email.data or "", name=form.name.data or "",
                                     actor_id=actor.id)
            if form.role.data:
                accounts.grant_platform_role(db, user=user, role=PlatformRole(form.role.data),
                                             actor_id=actor.id)
        except (Invalid, Conflict) as error:
            add_service_error(form, error, "email")
            return render_template("admin/user_new.html", form=form), error.status
        auth_service.send_password_link(db, user, actor=actor,
                                        locale=current_locale_info().code)
        flash(_("The account of %(email)s is open; we have sent them a link to choose a "
                "password.", email=user.email), "info")
        return redirect(url_for("admin.user", user_id=user.id))
    return render_template("admin/user_new.html", form=form)


@bp.get("/users/<int:user_id>")
@permission_required(permissions.can_administer_platform)
def user(user_id: int) -> str:
    """Show a user with their organisations and platform roles."""
    db = get_session()
    target = accounts.get_user(db, user_id)
    role_form = PlatformRoleForm(formdata=None)
    held = {grant.role.value for grant in target.platform_roles}
    role_form.role.choices = [choice for choice in _role_choices()
                             if choice.value not in held]
    return render_template("admin/user.html", target=target,
                           memberships=accounts.user_memberships(db, target),
                           role_form=role_form, confirm_form=ConfirmForm(formdata=None),
                           role_labels=PLATFORM_ROLE_LABELS, org_role_labels=ROLE_LABELS,
                           actor=current_person())


def _set_user_active(user_id: int, active: bool) -> Response:
    db = get_session()
    target = accounts.get_user(db, user_id)
    ConfirmForm().validate_on_submit()
    try:
        auth_service.set_user_active(db, target, active, actor_id=current_person().id)
    except Conflict as error:
        flash(refuse(error), "error")
    else:
        if active:
            flash(_("%(email)s can sign in again.", email=target.email), "info")
        else:
            flash(_("%(email)s is deactivated and signed out everywhere.", email=target.email),
                  "info")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/deactivate")
@permission_required(permissions.can_administer_platform)
def deactivate_user(user_id: int) -> Response:
    """Deactivate an account and end its sessions."""
    return _set_user_active(user_id, False)


@bp.post("/users/<int:user_id>/activate")
@permission_required(permissions.can_administer_platform)
def activate_user(user_id: int) -> Response:
    """Let a deactivated account sign in again."""
    return _set_user_active(user_id, True)


@bp.post("/users/<int:user_id>/roles")
@permission_required(permissions.can_administer_platform)
def grant_role(user_id: int) -> Response:
    """Give a user a platform role."""
    db = get_session()
    target = accounts.get_user(db, user_id)
    form = PlatformRoleForm()
    form.role.choices = _role_choices()
    if form.validate_on_submit():
        role = PlatformRole(form.role.data)
        try:
            accounts.grant_platform_role(db, user=target, role=role,
                                         actor_id=current_person().id)
        except Forbidden as error:
            flash(refuse(error), "error")
        else:
            flash(_("%(email)s is now: %(role)s.", email=target.email,
                    role=PLATFORM_ROLE_LABELS[role.value]), "info")
    else:
        flash(_("Choose a role."), "error")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/roles/<role>/revoke")
@permission_required(permissions.can_administer_platform)
def revoke_role(user_id: int, role: str) -> Response:
    """Take a platform role away from a user."""
    db = get_session()
    target = accounts.get_user(db, user_id)
    if role not in PLATFORM_ROLE_LABELS:
        return redirect(url_for("admin.user", user_id=user_id))
    ConfirmForm().validate_on_submit()
    try:
        accounts.revoke_platform_role(db, user=target, role=PlatformRole(role),
                                      actor_id=current_person().id)
    except Conflict as error:
        flash(refuse(error), "error")
    else:
        flash(_("%(email)s is no longer: %(role)s.", email=target.email,
                role=PLATFORM_ROLE_LABELS[role]), "info")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/password-link")
@permission_required(permissions.can_administer_platform)
def send_password_link(user_id: int) -> Response:
    """Mail a user a link to choose a (first or new) password."""
    db = get_session()
    target = accounts.get_user(db, user_id)
    ConfirmForm().validate_on_submit()
    try:
        auth_service.send_password_link(db, target, actor=current_person(),
                                        locale=current_locale_info().code)
    except Conflict as error:
        flash(refuse(error), "error")
        return redirect(url_for("admin.user", user_id=user_id))
    flash(_("We have sent %(email)s a link to choose a password.", email=target.email), "info")
    return redirect(url_for("admin.user", user_id=user_id))


# --- Questionnaires and audit log ---------------------------------------------------------


@bp.get("/questionnaires")
@permission_required(permissions.can_administer_platform)
def questionnaires() -> str:
    """List the published questionnaire versions, their review settings and review times."""
    db = get_session()
    versions = list_versions(db)
    return render_template("admin/questionnaires.html", versions=versions,
                           rules=board.all_rules(db), times=board.review_time_report(db),
                           questionnaire_ids=sorted({v.questionnaire_id for v in versions}))


@bp.route("/questionnaires/<questionnaire_id>/review", methods=["GET", "POST"])
@permission_required(permissions.can_administer_platform)
def review_settings(questionnaire_id: str) -> str | Response | tuple[str, int]:
    """Set the panel size, the chair and the deadline of a questionnaire's reviews."""
    db = get_session()
    titles = {version.questionnaire_id: version.title for version in list_versions(db)}
    if questionnaire_id not in titles:
        abort(404)
    rules = board.rules_for(db, questionnaire_id)
    form = ReviewSettingsForm(data=None if request.method == "POST" else {
        "panel_size": rules.panel_size, "chair_decides": rules.chair_decides,
        "deadline_days": rules.deadline_days, "remind_days_before": rules.remind_days_before,
        "same_country_conflict": rules.same_country_conflict,
        "show_reviewer_names": rules.show_reviewer_names})
    if form.validate_on_submit():
        try:
            board.save_settings(
                db, questionnaire_id, actor=current_person(),
                panel_size=form.panel_size.data or 1,
                chair_decides=bool(form.chair_decides.data),
                deadline_days=form.deadline_days.data,
                remind_days_before=(form.remind_days_before.data
                                    if form.remind_days_before.data is not None else 2),
                same_country_conflict=bool(form.same_country_conflict.data),
                show_reviewer_names=bool(form.show_reviewer_names.data))
        except Invalid as error:
            add_service_error(form, error, "panel_size")
        else:
            flash(_("The review settings are saved."), "success")
            return redirect(url_for("admin.questionnaires"))
    return render_template("admin/review_settings.html", form=form,
                           title=titles[questionnaire_id],
                           questionnaire_id=questionnaire_id), 422 if form.errors else 200


def _as_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _cursor(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


@bp.get("/audit")
@permission_required(permissions.can_administer_platform)
def audit() -> str:
    """List audit events, newest first, filtered by action, actor, object, organisation, dates."""
    db = get_session()
    form = AuditFilterForm(request.args)
    valid = form.validate()
    filters = audit_search.AuditFilter()
    if valid:
        filters = audit_search.AuditFilter(
            action=(form.action.data or "").strip(), actor=form.actor.data or "",
            object_type=(form.object_type.data or "").strip(),
            object_id=form.object_id.data or "", organisation_id=form.organisation.data,
            since=form.since.data, until=form.until.data)
    page = audit_search.search_events(db, filters, before=_cursor("before"),
                                      after=_cursor("after"))
    filter_args = {name: value for name, value in request.args.items()
                   if name in form and value} if valid else {}
    return render_template("admin/audit.html", form=form, page=page, filter_args=filter_args,
                           actions=audit_search.known_actions(db), as_json=_as_json)
