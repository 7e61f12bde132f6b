"""Moving a draft to a newer questionnaire version: see what carries over, then move."""

from __future__ import annotations

from flask import Response, current_app, jsonify
from flask_babel import gettext as _
from pydantic import BaseModel, Field

from ppp_assess.config import get_settings
from ppp_assess.services import permissions, upgrades
from ppp_assess.unit_of_work import get_session
from ppp_assess.web.api import bp
from ppp_assess.web.api.assessments import (
    _ASSESSMENT_ID,
    IfMatch,
    _if_match,
    _require_if_match,
    _with_etag,
    assessment_json,
)
from ppp_assess.web.api.openapi import (
    CSRF,
    NOT_FOUND,
    READ,
    UNAUTHORIZED,
    WRITE,
    Error,
    Responses,
    spec,
)
from ppp_assess.web.errors import json_error
from ppp_assess.web.security import current_person, login_required


class UpgradePlan(BaseModel):
    """What moving the draft to the newer version does."""

    from_version: str
    to_version: str
    version: int = Field(description="The assessment's version; send it in If-Match to move.")
    carried: dict[str, object] = Field(description="New question id -> the answer it gets.")
    dropped: list[str] = Field(description="Old question ids whose answers do not carry over.")
    new_questions: list[str] = Field(description="Questions of the new version left to answer.")


def _plan_json(plan: upgrades.UpgradePlan) -> dict[str, object]:
    return {"from_version": plan.source.version, "to_version": plan.target.version,
            "version": plan.assessment.version, "carried": plan.carried,
            "dropped": plan.dropped, "new_questions": plan.new_questions}


def _directory() -> str:
    return get_settings(current_app).questionnaire_dir


@bp.get("/assessments/<int:assessment_id>/upgrade")
@login_required
@spec.validate(resp=Responses(
    HTTP_200=(UpgradePlan, "What would carry over."), HTTP_401=UNAUTHORIZED,
    HTTP_404=(Error, "No such draft, or no newer version to move to (code `no_upgrade`)."),
    HTTP_409=(Error, "The assessment is not a draft.")),
    path_parameter_descriptions=_ASSESSMENT_ID, security=READ,
    operation_id="getAssessmentUpgrade", tags=["assessments"])
def get_upgrade(assessment_id: int) -> Response:
    """What moving a draft to the newer questionnaire version would carry over"""
    db = get_session()
    assessment = permissions.get_own_assessment(db, current_person(), assessment_id)
    plan = upgrades.upgrade_plan(db, assessment, directory=_directory())
    return jsonify(_plan_json(plan))


@bp.post("/assessments/<int:assessment_id>/upgrade")
@login_required
@spec.validate(resp=Responses(
    HTTP_200=(UpgradePlan, "Moved; `carried` lists the answers it kept."),
    HTTP_400=CSRF, HTTP_401=UNAUTHORIZED, HTTP_404=NOT_FOUND,
    HTTP_409=(Error, "The assessment is not a draft (code `not_editable`), or its answers "
                     "changed after the version in If-Match (code `stale`)."),
    HTTP_428=(Error, "No If-Match header (code `version_required`)."),
    headers={"HTTP_200": {"ETag": "The assessment's new version."}}),
    before=_require_if_match, security=WRITE, path_parameter_descriptions=_ASSESSMENT_ID,
    operation_id="upgradeAssessment", tags=["assessments"])
def upgrade_assessment(assessment_id: int, headers: IfMatch) -> tuple[Response, int]:
    """Move a draft to the newer questionnaire version

    Send the assessment version the plan was read at in `If-Match`. Submitted and
    approved assessments never move.
    """
    db = get_session()
    actor = current_person()
    assessment = permissions.get_own_assessment(db, actor, assessment_id)
    base_version = _if_match(headers.if_match)
    if base_version is None:
        return json_error(400, _("The If-Match header must hold an assessment version."),
                          error_code="bad_version")
    plan = upgrades.upgrade_assessment(db, assessment, actor=actor, directory=_directory(),
                                       base_version=base_version)
    body = {**assessment_json(assessment), **_plan_json(plan)}
    return _with_etag(jsonify(body), assessment), 200
