"""Views of the projects blueprint."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ppp_assess.services import certificates as certificate_service
from ppp_assess.services import history, permissions
from ppp_assess.services import projects as service
from ppp_assess.services.errors import Invalid
from ppp_assess.unit_of_work import get_session
from ppp_assess.web.projects import bp
from ppp_assess.web.projects.forms import ProjectForm, field_message, reassessment_stages
from ppp_assess.web.projects.history import history_views, template_helpers
from ppp_assess.web.security import current_person, login_required


def _attach(form: ProjectForm, error: Invalid) -> None:
    for name, code in error.fields.items():
        if name in form:
            form[name].errors = [*form[name].errors, field_message(code)]


@bp.get("/")
@login_required
def index() -> str:
    """List my organisations' projects."""
    projects = service.list_projects(get_session(), current_person())
    return render_template("projects/index.html", projects=projects)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create() -> str | Response | tuple[str, int]:
    """Record a new project for one of my organisations."""
    db = get_session()
    actor = current_person()
    organisations = service.member_organisations(db, actor)
    form = ProjectForm(organisations=organisations)
    if form.validate_on_submit():
        try:
            project = service.create_project(db, actor=actor,
                                             organisation_id=form.organisation.data,
                                             data=form.project_input())
        except Invalid as error:
            _attach(form, error)
        else:
            flash(_("The project is recorded."), "info")
            return redirect(url_for("projects.show", project_id=project.id))
    status = 422 if form.errors else 200
    return render_template("projects/form.html", form=form, project=None,
                           organisations=organisations), status


@bp.get("/<int:project_id>")
@login_required
def show(project_id: int) -> str:
    """Show a project and its assessments."""
    db = get_session()
    project = permissions.get_project(db, current_person(), project_id)
    assessments = service.project_assessments(db, project)
    certificates = certificate_service.certificates_of(db, [item.id for item in assessments])
    return render_template("projects/show.html", project=project, assessments=assessments,
                           certificates=certificates,
                           histories=history_views(history.project_history(db, project)),
                           stages=reassessment_stages(), **template_helpers())


@bp.route("/<int:project_id>/edit", methods=["GET", "POST"])
@login_required
def edit(project_id: int) -> str | Response | tuple[str, int]:
    """Change a project's facts."""
    db = get_session()
    actor = current_person()
    project = permissions.get_project(db, actor, project_id)
    if not permissions.can_edit_project(db, actor, project):
        abort(404)
    form = ProjectForm(data=ProjectForm.data_of(project))
    if form.validate_on_submit():
        try:
            service.update_project(db, project, actor=actor, data=form.project_input())
        except Invalid as error:
            _attach(form, error)
        else:
            flash(_("The project is saved."), "info")
            return redirect(url_for("projects.show", project_id=project.id))
    status = 422 if form.errors else 200
    return render_template("projects/form.html", form=form, project=project), status
