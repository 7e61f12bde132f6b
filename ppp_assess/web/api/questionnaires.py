"""Questionnaire endpoints of the API: the published questionnaires and their texts."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from flask_babel import force_locale
from flask_babel import gettext as _

from ppp_assess.domain.schema import map_translatable
from ppp_assess.models import QuestionnaireVersion
from ppp_assess.services import questionnaires as service
from ppp_assess.services.errors import Invalid, NotFound
from ppp_assess.unit_of_work import get_session
from ppp_assess.web.api import bp
from ppp_assess.web.api.openapi import (
    INVALID,
    NOT_FOUND,
    add_paths,
    add_schemas,
    json_response,
    path_parameter,
    ref,
)
from ppp_assess.web.locale import available_locales


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


def _requested_locale() -> str | None:
    lang = request.args.get("lang")
    if lang is None:
        return None
    if lang not in available_locales():
        raise Invalid("This language is not offered.", fields={"lang": "unknown"})
    return lang


@bp.get("/questionnaires")
def list_questionnaires() -> Response:
    """List the newest published version of every questionnaire."""
    lang = _requested_locale()
    versions = service.latest_versions(get_session())
    if lang is None:
        return jsonify({"questionnaires": [_summary(version) for version in versions]})
    with force_locale(lang):
        return jsonify({"questionnaires": [_summary(version) for version in versions]})


@bp.get("/questionnaires/<questionnaire_id>")
def get_questionnaire(questionnaire_id: str) -> Response:
    """Return a questionnaire's definition; ``?lang=`` translates its texts."""
    lang = _requested_locale()
    wanted = request.args.get("version")
    versions = [row for row in service.list_versions(get_session())
                if row.questionnaire_id == questionnaire_id
                and (wanted is None or row.version == wanted)]
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


add_schemas({
    "QuestionnaireSummary": {
        "type": "object",
        "required": ["id", "version", "subject", "title", "sections", "questions"],
        "properties": {
            "id": {"type": "string"}, "version": {"type": "string"},
            "subject": {"enum": ["organisation", "project"]},
            "title": {"type": "string"}, "sections": {"type": "integer"},
            "questions": {"type": "integer"},
            "published_at": {"type": "string", "format": "date-time"},
        },
    },
    "Questionnaire": {
        "type": "object",
        "required": ["id", "version", "subject", "definition"],
        "properties": {
            "id": {"type": "string"}, "version": {"type": "string"},
            "subject": {"enum": ["organisation", "project"]},
            "lang": {"type": ["string", "null"]},
            "content_hash": {"type": "string"},
            "published_at": {"type": "string", "format": "date-time"},
            "definition": {"type": "object",
                           "description": "The questionnaire in the file format, with its "
                                          "texts translated when `lang` is given."},
        },
    },
})

_LANG = {"name": "lang", "in": "query", "required": False,
         "description": "Translate the texts into this offered locale, e.g. `fr`.",
         "schema": {"type": "string"}}

add_paths({
    "/questionnaires": {"get": {
        "operationId": "listQuestionnaires",
        "summary": "The newest published version of every questionnaire",
        "security": [],
        "parameters": [_LANG],
        "responses": {
            "200": json_response("The questionnaires.", {
                "type": "object", "properties": {"questionnaires": {
                    "type": "array", "items": ref("QuestionnaireSummary")}}}),
            "422": INVALID,
        },
    }},
    "/questionnaires/{questionnaire_id}": {"get": {
        "operationId": "getQuestionnaire",
        "summary": "A questionnaire's definition (newest version unless `version` is given)",
        "security": [],
        "parameters": [
            path_parameter("questionnaire_id", "The questionnaire's slug.", integer=False),
            _LANG,
            {"name": "version", "in": "query", "required": False,
             "description": "A published version, e.g. `1.0`.", "schema": {"type": "string"}},
        ],
        "responses": {"200": json_response("The questionnaire.", ref("Questionnaire")),
                      "404": NOT_FOUND, "422": INVALID},
    }},
})
