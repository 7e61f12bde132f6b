"""The assessment lifecycle table and the functions built on it."""

from __future__ import annotations

import itertools

import pytest

from ppp_assess.domain.workflow import (
    ACTION_LABELS,
    DECISION_ACTIONS,
    STATUS_LABELS,
    TRANSITIONS,
    Action,
    Decision,
    InvalidTransition,
    Status,
    allowed_actions,
    is_editable,
    transition,
)

# Written out independently of the module so that a change to the table shows up here.
LEGAL = {
    ("draft", "submit"): "submitted",
    ("submitted", "start_review"): "in_review",
    ("in_review", "return"): "draft",
    ("in_review", "approve"): "approved",
    ("approved", "certify"): "certified",
    ("certified", "revoke"): "revoked",
}

ALL_PAIRS = list(itertools.product(Status, Action))
ILLEGAL = [(status, action) for status, action in ALL_PAIRS if (status, action) not in LEGAL]


def test_values_are_the_stored_strings() -> None:
    assert [status.value for status in Status] == [
        "draft",
        "submitted",
        "in_review",
        "approved",
        "certified",
        "revoked",
    ]
    assert [action.value for action in Action] == [
        "submit",
        "start_review",
        "return",
        "approve",
        "certify",
        "revoke",
    ]
    assert Action.return_.value == "return"
    assert Action("return") is Action.return_


def test_decisions_are_the_stored_strings_and_lead_out_of_review() -> None:
    assert [decision.value for decision in Decision] == ["approve", "return"]
    assert Decision("return") is Decision.return_
    assert {str(decision): str(action) for decision, action in DECISION_ACTIONS.items()} == {
        "approve": "approve", "return": "return"}
    assert {decision: transition(Status.in_review, DECISION_ACTIONS[decision])
            for decision in Decision} == {Decision.approve: Status.approved,
                                          Decision.return_: Status.draft}


def test_table_is_exactly_the_lifecycle() -> None:
    assert {(str(s), str(a)): str(t) for (s, a), t in TRANSITIONS.items()} == LEGAL
    assert len(ILLEGAL) == len(Status) * len(Action) - len(LEGAL)


def test_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        TRANSITIONS[(Status.draft, Action.approve)] = Status.approved  # type: ignore[index]


@pytest.mark.parametrize(("status", "action"), list(LEGAL))
def test_legal_transition(status: str, action: str) -> None:
    result = transition(Status(status), Action(action))
    assert result == LEGAL[(status, action)]
    assert isinstance(result, Status)


@pytest.mark.parametrize(("status", "action"), ILLEGAL)
def test_illegal_transition_is_refused(status: Status, action: Action) -> None:
    with pytest.raises(InvalidTransition) as caught:
        transition(status, action)
    error = caught.value
    assert error.status is status
    assert error.action is action
    assert dict(error.params) == {"status": status.value, "action": action.value}
    # The message is a msgid with named placeholders, interpolated only for str().
    assert "%(status)s" in error.message
    assert "%(action)s" in error.message
    assert str(error) == error.message % {"status": status.value, "action": action.value}


def test_invalid_transition_message_reads_well() -> None:
    with pytest.raises(InvalidTransition) as caught:
        transition(Status.draft, Action.approve)
    assert str(caught.value) == (
        "The action “approve” is not allowed while the assessment is “draft”."
    )


@pytest.mark.parametrize("status", list(Status))
def test_allowed_actions_match_the_table(status: Status) -> None:
    expected = tuple(Action(a) for (s, a) in LEGAL if s == status.value)
    assert allowed_actions(status) == expected
    for action in allowed_actions(status):
        transition(status, action)


def test_allowed_actions_from_review_offer_both_decisions() -> None:
    assert allowed_actions(Status.in_review) == (Action.return_, Action.approve)
    assert allowed_actions(Status.revoked) == ()


@pytest.mark.parametrize("status", list(Status))
def test_only_a_draft_is_editable(status: Status) -> None:
    assert is_editable(status) is (status == "draft")


def test_every_status_is_reachable_from_draft() -> None:
    reached = {Status.draft}
    frontier = [Status.draft]
    while frontier:
        current = frontier.pop()
        for action in allowed_actions(current):
            following = transition(current, action)
            if following not in reached:
                reached.add(following)
                frontier.append(following)
    assert reached == set(Status)


def test_every_status_and_action_has_a_label() -> None:
    assert set(STATUS_LABELS) == set(Status)
    assert set(ACTION_LABELS) == set(Action)
    assert all(label and label[0].isupper() for label in STATUS_LABELS.values())
    assert all(label and label[0].isupper() for label in ACTION_LABELS.values())
