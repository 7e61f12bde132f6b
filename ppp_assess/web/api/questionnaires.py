"""Questionnaire endpoints of the API: the published questionnaires and their texts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, jsonify
from flask_babel import force_locale
from flask_babel import gettext as _
from pydantic import BaseModel, Field

from ppp_assess.domain.reference import SubjectType
from ppp_assess.domain.schema import map_translatable
from ppp_assess.models import QuestionnaireVersion
from ppp_assess.services import questionnaires as service
from ppp_assess.services.errors import Invalid, NotFound
from ppp_assess.services.exports import find_version
from ppp_assess.unit_of_work import get_session
from ppp_assess.web.api import bp
from ppp_assess.web.api.openapi import (
    INVALID,
    NOT_FOUND,
    PUBLIC,
    QueryModel,
    Responses,
    spec,
)
from ppp_assess.web.locale import available_locales
from ppp_assess.web.xlsform import xlsform_workbook

#: The media type of an XLSX workbook.
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class LanguageQuery(QueryModel):
    """The language of the texts."""

    lang: str | None = Field(None, description="Translate the texts into this offered "
                                               "locale, e.g. `fr`.")


class QuestionnaireQuery(LanguageQuery):
    """The language of the texts, and the version."""

    version: str | None = Field(None, description="A published version, e.g. `1.0`.")


class VersionQuery(QueryModel):
    """The version."""

    version: str | None = Field(None, description="A published version, e.g. `1.0` "
                                                  "(default: the newest).")


class QuestionnaireSummary(BaseModel):
    """A published questionnaire version."""

    id: str
    version: str
    subject: SubjectType
    title: str
    sections: int = Field(description="Number of sections.")
    questions: int = Field(description="Number of questions.")
    published_at: dt.datetime


class QuestionnaireList(BaseModel):
    """The newest published version of every questionnaire."""

    questionnaires: list[QuestionnaireSummary]


class Questionnaire(BaseModel):
    """A questionnaire version with its definition."""

    id: str
    version: str
    subject: SubjectType
    lang: str | None = Field(description="The language of the texts; null: as written.")
    content_hash: str
    published_at: dt.datetime
    definition: dict[str, Any] = Field(description="The questionnaire in the file format, "
                                                   "with its texts translated when `lang` "
                                                   "is given.")


def _summary(version: QuestionnaireVersion) -> dict[str, Any]:
    definition = version.definition or {}
    return {
        "id": version.questionnaire_id,
        "version": version.version,
        "subject": version.subject.value,
        "title": _(version.title),
        "sections": len(definition.get("sections", [])),
        "questions": sum(len(section.get("questions", []))
                         for section in definition.get("sections", [])),
        "published_at": version.published_at.isoformat(),
    }


def _requested_locale(lang: str | None) -> str | None:
    if lang is not None and lang not in available_locales():
        raise Invalid("This language is not offered.", fields={"lang": "unknown"})
    return lang


@bp.get("/questionnaires")
@spec.validate(resp=Responses(HTTP_200=(QuestionnaireList, "The questionnaires."),
                              HTTP_422=INVALID),
               security=PUBLIC, operation_id="listQuestionnaires", tags=["questionnaires"])
def list_questionnaires(query: LanguageQuery) -> Response:
    """The newest published version of every questionnaire"""
    lang = _requested_locale(query.lang)
    versions = service.latest_versions(get_session())
    if lang is None:
        return jsonify({"questionnaires": [_summary(version) for version in versions]})
    with force_locale(lang):
        return jsonify({"questionnaires": [_summary(version) for version in versions]})


@bp.get("/questionnaires/<questionnaire_id>")
@spec.validate(resp=Responses(HTTP_200=(Questionnaire, "The questionnaire."),
                              HTTP_404=NOT_FOUND, HTTP_422=INVALID),
               path_parameter_descriptions={"questionnaire_id": "The questionnaire's slug."},
               security=PUBLIC, operation_id="getQuestionnaire", tags=["questionnaires"])
def get_questionnaire(questionnaire_id: str, query: QuestionnaireQuery) -> Response:
    """A questionnaire's definition (newest version unless `version` is given)

    `lang` translates its texts.
    """
    lang = _requested_locale(query.lang)
    versions = [row for row in service.list_versions(get_session())
                if row.questionnaire_id == questionnaire_id
                and (query.version is None or row.version == query.version)]
    if not versions:
        raise NotFound("This questionnaire does not exist.")
    version = versions[-1]
    definition: Any = version.definition
    if lang is not None:
        with force_locale(lang):
            definition = map_translatable(definition, _)
    return jsonify({"id": version.questionnaire_id, "version": version.version,
                    "subject": version.subject.value, "lang": lang,
                    "content_hash": version.content_hash,
                    "published_at": version.published_at.isoformat(),
                    "definition": definition})


@bp.get("/questionnaires/<questionnaire_id>/xlsform")
@spec.validate(resp=Responses(HTTP_200=(None, "The XLSForm workbook, as an attachment."),
                              HTTP_404=NOT_FOUND, HTTP_422=INVALID,
                              media_types={"HTTP_200": XLSX_TYPE},
                              headers={"HTTP_200": {
                                  "Content-Disposition": "Always `attachment`."}}),
               path_parameter_descriptions={"questionnaire_id": "The questionnaire's slug."},
               security=PUBLIC, operation_id="getQuestionnaireXlsform", tags=["questionnaires"])
def get_questionnaire_xlsform(questionnaire_id: str, query: VersionQuery) -> Response:
    """A questionnaire version as an XLSForm workbook (newest version unless `version` is given)

    For ODK Collect, KoboToolbox and other XLSForm tools: one group per section, labels
    and hints in every offered language, and the scores, weights and critical flags in
    `ppp_` columns that those tools ignore.
    """
    version = find_version(get_session(), questionnaire_id, query.version)
    data = xlsform_workbook(service.questionnaire_of(version))
    filename = f"{version.questionnaire_id}-{version.version}.xlsx"
    response = Response(data, mimetype=XLSX_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
