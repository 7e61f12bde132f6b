"""The assessment lifecycle: statuses, actions and the one table that links them.

::

    draft --submit--> submitted --start_review--> in_review --approve--> approved
      ^                                              |                      |
      +------------------return----------------------+                   certify
                                                                            v
                                                   revoked <--revoke-- certified

Every change of status goes through :func:`transition`, so the table below is the
only place where the lifecycle is defined. Models store :class:`Status`, services
call :func:`transition`, and templates switch on the status.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from ppp_assess.domain.messages import N_


class Status(StrEnum):
    """Where an assessment is in its lifecycle."""

    draft = "draft"
    submitted = "submitted"
    in_review = "in_review"
    approved = "approved"
    certified = "certified"
    revoked = "revoked"


class Action(StrEnum):
    """Something a user does to an assessment that changes its status."""

    submit = "submit"
    start_review = "start_review"
    # ``return`` is a keyword, hence the trailing underscore on the member name only.
    return_ = "return"
    approve = "approve"
    certify = "certify"
    revoke = "revoke"


class Decision(StrEnum):
    """What the review board decides on an assessment under review."""

    approve = "approve"
    # ``return`` is a keyword, hence the trailing underscore on the member name only.
    return_ = "return"


#: The action each decision takes on the assessment.
DECISION_ACTIONS: Mapping[Decision, Action] = MappingProxyType(
    {Decision.approve: Action.approve, Decision.return_: Action.return_}
)

#: The complete lifecycle: ``(current status, action) -> new status``. A pair that is
#: not in the table is not allowed.
TRANSITIONS: Mapping[tuple[Status, Action], Status] = MappingProxyType(
    {
        (Status.draft, Action.submit): Status.submitted,
        (Status.submitted, Action.start_review): Status.in_review,
        (Status.in_review, Action.return_): Status.draft,
        (Status.in_review, Action.approve): Status.approved,
        (Status.approved, Action.certify): Status.certified,
        (Status.certified, Action.revoke): Status.revoked,
    }
)

#: Display labels (msgids) for statuses, translated by the adapters.
STATUS_LABELS: Mapping[Status, str] = MappingProxyType(
    {
        Status.draft: N_("Draft"),
        Status.submitted: N_("Submitted"),
        Status.in_review: N_("In review"),
        Status.approved: N_("Approved"),
        Status.certified: N_("Certified"),
        Status.revoked: N_("Revoked"),
    }
)

#: Display labels (msgids) for actions, translated by the adapters.
ACTION_LABELS: Mapping[Action, str] = MappingProxyType(
    {
        Action.submit: N_("Submit"),
        Action.start_review: N_("Start review"),
        Action.return_: N_("Return"),
        Action.approve: N_("Approve"),
        Action.certify: N_("Certify"),
        Action.revoke: N_("Revoke"),
    }
)


class InvalidTransition(Exception):
    """An action that the lifecycle does not allow from the current status.

    :attr:`message` is an English msgid with named placeholders and :attr:`params`
    holds the raw status and action values. Adapters translate the message and may
    replace the params by translated :data:`STATUS_LABELS` and :data:`ACTION_LABELS`.
    """

    message = N_("The action “%(action)s” is not allowed while the assessment is “%(status)s”.")

    def __init__(self, status: Status, action: Action) -> None:
        self.status = status
        self.action = action
        self.params: Mapping[str, str] = MappingProxyType(
            {"status": str(status), "action": str(action)}
        )
        super().__init__(self.message % self.params)


def transition(status: Status, action: Action) -> Status:
    """Return the status that follows ``status`` when ``action`` is taken.

    :param status: the current status.
    :param action: the action being taken.
    :return: the new status.
    :raises InvalidTransition: when the lifecycle does not allow ``action`` from ``status``.
    """
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise InvalidTransition(status, action) from None


def allowed_actions(status: Status) -> tuple[Action, ...]:
    """Return the actions allowed from ``status``, in declaration order of :class:`Action`.

    :param status: the current status.
    :return: the allowed actions; empty for a status with no way out.
    """
    return tuple(action for action in Action if (status, action) in TRANSITIONS)


def is_editable(status: Status) -> bool:
    """Return whether answers may be changed in ``status`` (only a draft is editable).

    :param status: the current status.
    :return: ``True`` for :attr:`Status.draft`, ``False`` otherwise.
    """
    return status == Status.draft
