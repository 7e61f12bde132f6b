"""Moving an assessment along its lifecycle, and the audit event every move writes.

The lifecycle itself — which action leads from which status to which — is the domain's
(:mod:`ppp_assess.domain.workflow`). This module is the one place where services change
an assessment's status: :func:`change_status` applies the transition, bumps the version,
stamps the time, refreshes the subject's peer results (:mod:`.peer_index`) and records who
did it, with the status before and after. A test fails
when a service sets a status any other way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy.orm import Session

from ppp_assess.domain.workflow import Action, InvalidTransition, Status, transition
from ppp_assess.models import Assessment
from ppp_assess.models.base import utcnow
from ppp_assess.services.audit import record_event
from ppp_assess.services.benchmarks.peers import DECIDED
from ppp_assess.services.benchmarks.totals import add_decided, remove_decided
from ppp_assess.services.errors import Conflict
from ppp_assess.services.peer_index import refresh_subject
from ppp_assess.services.permissions import Person


def apply_action(assessment: Assessment, action: Action) -> Status:
    """Return the status ``action`` leads to, without applying it.

    Services call it to refuse an action before they do any other work.

    :raises Conflict: code ``invalid_transition`` when the lifecycle does not allow it.
    """
    try:
        return transition(assessment.status, action)
    except InvalidTransition as error:
        raise Conflict(error.message, error.params, code="invalid_transition") from error


def change_status(
    session: Session,
    assessment: Assessment,
    action: Action,
    *,
    actor: Person,
    event: str,
    now: dt.datetime | None = None,
    object_type: str = "assessment",
    object_id: str | int | None = None,
    details: Mapping[str, object] | None = None,
) -> Status:
    """Take ``action`` on the assessment: change its status and record the audit event.

    The new status is the lifecycle's; the assessment's version goes up by one (so
    pages and clients holding the old version see that it changed) and its last change
    is ``now``. The event holds the status before and after, and ``details`` after.

    :param event: the audit action, e.g. ``"review.approved"``.
    :param now: when it happens (default: now).
    :param object_type: what the event is about, when not the assessment itself (a
        certificate); the event then names the assessment in before and after.
    :param object_id: that object's id (default: the assessment's).
    :param details: more facts for the event's ``after``.
    :return: the new status.
    :raises Conflict: code ``invalid_transition`` when the lifecycle does not allow the
        action; nothing is changed then.
    """
    new_status = apply_action(assessment, action)
    before = assessment.status
    # The evaluators' dashboard totals count approved and certified assessments.
    counted, counts = before in DECIDED, new_status in DECIDED
    if counted and not counts:
        remove_decided(session, Assessment.id == assessment.id)
    assessment.status = new_status
    assessment.version += 1
    assessment.updated_at = now or utcnow()
    session.flush()
    if counts and not counted:
        add_decided(session, Assessment.id == assessment.id)
    # Approval, certification, revocation and reopening change who counts among peers.
    refresh_subject(session, assessment)
    link = {} if object_type == "assessment" else {"assessment": assessment.id}
    record_event(
        session, actor_id=actor.id, action=event, object_type=object_type,
        object_id=assessment.id if object_id is None else object_id,
        organisation_id=assessment.organisation_id,
        before={**link, "status": before.value},
        after={**link, "status": new_status.value, **(details or {})},
    )
    return new_status
