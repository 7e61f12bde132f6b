"""The permission policies, cell by cell: every role against every state of the object.

Each table below says, for one policy, in which states of the object each role is
allowed; every role and state missing from a row is refused. The world is built through
the services (submitting, reviewing, certifying, revoking), so the states are the real
ones. The getters and checks are held to the same tables: a getter refuses with "not
found" exactly where its policy says no, and a check raises exactly where it does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from ppp_assess import create_app
from ppp_assess.domain.reference import OrgRole, PlatformRole
from ppp_assess.domain.workflow import Status
from ppp_assess.models import Assessment, Certificate, Organisation, Project, User
from ppp_assess.services import accounts, permissions
from ppp_assess.services import certificates as certificate_service
from ppp_assess.services.errors import Forbidden, NotFound
from ppp_assess.unit_of_work import get_database
from tests.certificate_support import admin, assessment_in, evaluator, issue
from tests.factories import Factory

#: Who is asking. ``insider_reviewer`` is on the review board and a respondent of the
#: assessed organisation; ``other_respondent`` belongs to another organisation.
ROLES = ("respondent", "org_admin", "other_respondent", "reviewer", "insider_reviewer",
         "evaluator", "admin", "anonymous")
#: The states of an assessment; "returned" is a draft that was submitted and returned.
STATES = ("draft", "returned", "submitted", "in_review", "approved", "certified", "revoked")

ALL = frozenset(STATES)
NONE: frozenset[str] = frozenset()
DRAFTS = frozenset({"draft", "returned"})
SUBMITTED_ONCE = ALL - {"draft"}
REVIEWABLE = frozenset({"submitted", "in_review", "approved", "certified", "revoked"})
DECIDED = frozenset({"approved", "certified", "revoked"})
MEMBERS = ("respondent", "org_admin", "insider_reviewer")

#: policy -> role -> the states in which the role is allowed (every other cell: refused).
ASSESSMENT_POLICIES: dict[str, Mapping[str, frozenset[str]]] = {
    "can_view_assessment": {
        "respondent": ALL, "org_admin": ALL, "insider_reviewer": ALL, "admin": ALL,
        "reviewer": REVIEWABLE, "evaluator": DECIDED,
    },
    "can_edit_assessment": {"respondent": DRAFTS, "org_admin": DRAFTS,
                            "insider_reviewer": DRAFTS},
    "can_submit_assessment": {"respondent": DRAFTS, "org_admin": DRAFTS,
                              "insider_reviewer": DRAFTS},
    "can_open_review": {"reviewer": REVIEWABLE, "insider_reviewer": SUBMITTED_ONCE},
    "is_independent_reviewer": {"reviewer": ALL},
    "can_start_review": {"reviewer": frozenset({"submitted"})},
    # The review in progress was started by "reviewer".
    "can_decide_review": {"reviewer": frozenset({"in_review"})},
    # Only the chair (who took the review) and administrators assign the panel.
    "can_assign_reviewers": {"reviewer": frozenset({"in_review"}),
                             "admin": frozenset({"submitted", "in_review"})},
    # Nobody is on a panel in this world: recommending needs an assignment.
    "can_recommend": {},
    # The chair keeps seeing the panel of the submission they decided on.
    "can_see_recommendations": {"admin": ALL,
                                "reviewer": frozenset({"in_review"}) | DECIDED},
    "is_independent_certifier": {"evaluator": ALL, "admin": ALL},
    "can_issue_certificate": {"evaluator": frozenset({"approved"}),
                              "admin": frozenset({"approved"})},
    "can_publish_result": {"org_admin": frozenset({"approved", "certified"})},
    "can_withdraw_result": {"org_admin": ALL, "admin": ALL},
    # Evidence documents follow the answers they back.
    "can_view_evidence": {
        "respondent": ALL, "org_admin": ALL, "insider_reviewer": ALL, "admin": ALL,
        "reviewer": REVIEWABLE, "evaluator": DECIDED,
    },
    "can_attach_evidence": {"respondent": DRAFTS, "org_admin": DRAFTS,
                            "insider_reviewer": DRAFTS},
    "can_delete_evidence": {"respondent": DRAFTS, "org_admin": DRAFTS,
                            "insider_reviewer": DRAFTS},
    "can_judge_evidence": {"reviewer": frozenset({"in_review"})},
}

#: policy -> role -> the certificate states (issued, revoked) in which the role is allowed.
CERTIFICATE_POLICIES: dict[str, Mapping[str, frozenset[str]]] = {
    "can_download_certificate": {
        role: frozenset({"certified"})
        for role in ("respondent", "org_admin", "insider_reviewer", "reviewer", "evaluator",
                     "admin")
    },
    "can_revoke_certificate": {"admin": frozenset({"certified"})},
}

#: policy -> the roles it allows (policies about the user alone).
USER_POLICIES: dict[str, frozenset[str]] = {
    "anyone": frozenset(ROLES),
    "is_signed_in": frozenset(ROLES) - {"anonymous"},
    "has_organisation": frozenset({*MEMBERS, "other_respondent"}),
    "can_review": frozenset({"reviewer", "insider_reviewer"}),
    "can_evaluate": frozenset({"evaluator", "admin"}),
    "can_export_evaluations": frozenset({"evaluator", "admin"}),
    "can_issue_certificates": frozenset({"evaluator", "admin"}),
    "can_revoke_certificates": frozenset({"admin"}),
    "can_administer_platform": frozenset({"admin"}),
}

ACTIVE = frozenset({"active", "deactivated"})
#: policy -> role -> the organisation states (active, deactivated) in which it is allowed.
ORGANISATION_POLICIES: dict[str, Mapping[str, frozenset[str]]] = {
    "can_view_organisation": {"respondent": ACTIVE, "org_admin": ACTIVE,
                              "insider_reviewer": ACTIVE, "admin": ACTIVE},
    "can_manage_members": {"org_admin": ACTIVE, "admin": ACTIVE},
    "can_add_project": {role: frozenset({"active"}) for role in MEMBERS},
}
#: policy -> the roles allowed on a project of the organisation.
PROJECT_POLICIES: dict[str, frozenset[str]] = {
    "can_view_project": frozenset(MEMBERS),
    "can_edit_project": frozenset(MEMBERS),
}


@dataclass
class World:
    users: dict[str, User | None]
    assessments: dict[str, Assessment]
    certificates: dict[str, Certificate]
    organisation: Organisation
    project: Project


def _build(app: Flask, db: Session, factory: Factory) -> World:
    organisation = factory.organisation(name="Ministry of Mines")
    other = factory.organisation(name="Ministry of Transport")
    reviewer = factory.user(role=None, platform_roles=(PlatformRole.reviewer,))
    users: dict[str, User | None] = {
        "respondent": factory.user(organisation=organisation, role=OrgRole.respondent),
        "org_admin": factory.user(organisation=organisation, role=OrgRole.org_admin),
        "other_respondent": factory.user(organisation=other, role=OrgRole.respondent),
        "reviewer": reviewer,
        "insider_reviewer": factory.user(organisation=organisation, role=OrgRole.respondent,
                                         platform_roles=(PlatformRole.reviewer,)),
        "evaluator": evaluator(factory),
        "admin": admin(factory),
        "anonymous": None,
    }
    built = {state: assessment_in(db, factory, state, organisation=organisation,
                                  reviewer=reviewer).assessment
             for state in ("draft", "returned", "submitted", "in_review", "approved")}
    certificates = {}
    for state in ("certified", "revoked"):
        assessment = assessment_in(db, factory, "approved", organisation=organisation,
                                   reviewer=reviewer).assessment
        certificates[state] = issue(db, app, assessment, users["evaluator"])
        built[state] = assessment
    certificate_service.revoke_certificate(db, certificates["revoked"], actor=users["admin"],
                                           reason="Issued in error.")
    db.flush()
    assert {state: assessment.status for state, assessment in built.items()} == {
        "draft": Status.draft, "returned": Status.draft, "submitted": Status.submitted,
        "in_review": Status.in_review, "approved": Status.approved,
        "certified": Status.certified, "revoked": Status.revoked}
    assert built["in_review"].reviewer_id == reviewer.id
    project = built["draft"].project
    assert project is not None
    return World(users, built, certificates, organisation, project)


@pytest.fixture(scope="module")
def shared(database_url: str,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Session, World]]:
    """Build the world once for the module, in a transaction rolled back at its end.

    Building it goes through every step of the lifecycle seven times over; the policies
    only read it, and each test runs in a savepoint of its own (see :func:`db`).
    """
    app = create_app({
        "env": "testing", "database_url": database_url,
        "instance_path": str(tmp_path_factory.mktemp("permissions") / "instance"),
        "secret_key": "test-secret-key", "base_url": "http://ppp.test",
        "flask_overrides": {"WTF_CSRF_ENABLED": False, "SERVER_NAME": None},
    })
    database = get_database(app)
    connection = database.engine.connect()
    transaction = connection.begin()
    database.use_connection(connection)
    session = database.new_session(write=True)
    try:
        world = _build(app, session, Factory(session))
        session.commit()
        yield session, world
    finally:
        session.close()
        transaction.rollback()
        connection.close()
        database.dispose()


@pytest.fixture
def db(shared: tuple[Session, World]) -> Iterator[Session]:
    """Return the module's session; whatever a test changes is rolled back after it."""
    session, _world = shared
    savepoint = session.begin_nested()
    try:
        yield session
    finally:
        if savepoint.is_active:
            savepoint.rollback()
        session.expire_all()


@pytest.fixture
def world(db: Session, shared: tuple[Session, World]) -> World:
    return shared[1]


@pytest.fixture
def factory(db: Session) -> Factory:
    return Factory(db)


def _differences(expected: Mapping[str, frozenset[str]], states: tuple[str, ...],
                 answer: Callable[[str, str], bool]) -> list[str]:
    """Return the cells where ``answer(role, state)`` disagrees with ``expected``."""
    wrong = []
    for role in ROLES:
        for state in states:
            wanted = state in expected.get(role, NONE)
            if answer(role, state) is not wanted:
                wrong.append(f"{role} / {state}: expected {'yes' if wanted else 'no'}")
    return wrong


def test_every_policy_is_in_a_table() -> None:
    tabled = {*ASSESSMENT_POLICIES, *CERTIFICATE_POLICIES, *USER_POLICIES,
              *ORGANISATION_POLICIES, *PROJECT_POLICIES}
    policies = {name for name in dir(permissions)
                if name.startswith(("can_", "is_independent_")) or name in {
                    "anyone", "is_signed_in", "has_organisation"}}
    assert policies == tabled


@pytest.mark.parametrize("policy", sorted(ASSESSMENT_POLICIES))
def test_assessment_policies(db, world, policy) -> None:
    check = getattr(permissions, policy)
    wrong = _differences(ASSESSMENT_POLICIES[policy], STATES, lambda role, state: check(
        db, world.users[role], world.assessments[state]))
    assert wrong == []


@pytest.mark.parametrize("policy", sorted(CERTIFICATE_POLICIES))
def test_certificate_policies(db, world, policy) -> None:
    def answer(role: str, state: str) -> bool:
        certificate = world.certificates[state]
        if policy == "can_revoke_certificate":
            return permissions.can_revoke_certificate(world.users[role], certificate)
        return getattr(permissions, policy)(db, world.users[role], certificate)

    assert _differences(CERTIFICATE_POLICIES[policy], ("certified", "revoked"), answer) == []


@pytest.mark.parametrize("policy", sorted(USER_POLICIES))
def test_user_policies(world, policy) -> None:
    check = getattr(permissions, policy)
    allowed = {role for role in ROLES if check(world.users[role])}
    assert allowed == USER_POLICIES[policy]


def test_organisation_and_project_policies(db, world) -> None:
    answers: dict[str, dict[tuple[str, str], bool]] = {name: {} for name in
                                                       ORGANISATION_POLICIES}
    for state in ("deactivated", "active"):
        accounts.set_organisation_active(db, world.organisation, state == "active")
        for name in ORGANISATION_POLICIES:
            for role in ROLES:
                answers[name][(role, state)] = getattr(permissions, name)(
                    db, world.users[role], world.organisation)
    for name, expected in ORGANISATION_POLICIES.items():
        assert _differences(expected, ("active", "deactivated"),
                            lambda role, state, name=name: answers[name][(role, state)]) == [], \
            name
    for name, roles in PROJECT_POLICIES.items():
        allowed = {role for role in ROLES
                   if getattr(permissions, name)(db, world.users[role], world.project)}
        assert allowed == roles, name


# --------------------------------------------------------------------------- getters


def _raises(error: type[Exception], function: Callable[..., object], *args: object,
            **kwargs: object) -> bool:
    """Return whether ``function(*args, **kwargs)`` raises ``error``."""
    try:
        function(*args, **kwargs)
    except error:
        return True
    return False


@pytest.mark.parametrize(("getter", "policy"), [
    ("get_assessment", "can_view_assessment"),
    ("get_for_review", "can_open_review"),
])
def test_assessment_getters_hide_what_their_policy_refuses(db, world, getter, policy) -> None:
    get = getattr(permissions, getter)
    wrong = _differences(ASSESSMENT_POLICIES[policy], STATES, lambda role, state: not _raises(
        NotFound, get, db, world.users[role], world.assessments[state].id))
    assert wrong == []


def test_evidence_is_found_by_whoever_may_see_its_assessment(db, world) -> None:
    from ppp_assess.models import EvidenceDocument

    documents = {}
    for state, assessment in world.assessments.items():
        document = EvidenceDocument(assessment_id=assessment.id, question_id="q",
                                    name="a.pdf", description="", size=1,
                                    media_type="application/pdf", sha256="0" * 64,
                                    review_comment="")
        db.add(document)
        documents[state] = document
    db.flush()
    wrong = _differences(ASSESSMENT_POLICIES["can_view_evidence"], STATES,
                         lambda role, state: world.users[role] is not None and not _raises(
                             NotFound, permissions.get_evidence, db, world.users[role],
                             documents[state].id))
    assert wrong == []


def test_own_assessments_are_found_by_members_only(db, world) -> None:
    members = {role: ALL for role in MEMBERS}
    wrong = _differences(members, STATES, lambda role, state: not _raises(
        NotFound, permissions.get_own_assessment, db, world.users[role],
        world.assessments[state].id))
    assert wrong == []


def test_unknown_ids_are_not_found_for_anyone(db, world) -> None:
    for role in ROLES:
        user = world.users[role]
        for getter in (permissions.get_assessment, permissions.get_own_assessment,
                       permissions.get_for_review, permissions.get_project,
                       permissions.get_organisation, permissions.get_managed_organisation):
            with pytest.raises(NotFound):
                getter(db, user, 10**9)


def test_project_and_organisation_getters(db, world) -> None:
    found = {role for role in ROLES if not _raises(
        NotFound, permissions.get_project, db, world.users[role], world.project.id)}
    assert found == PROJECT_POLICIES["can_view_project"]
    visible = {role for role, states in ORGANISATION_POLICIES["can_view_organisation"].items()
               if "active" in states}
    managers = {role for role, states in ORGANISATION_POLICIES["can_manage_members"].items()
                if "active" in states}
    for role in ROLES:
        user = world.users[role]
        organisation_id = world.organisation.id
        seen = not _raises(NotFound, permissions.get_organisation, db, user, organisation_id)
        assert seen is (role in visible), role
        try:
            permissions.get_managed_organisation(db, user, organisation_id)
            outcome = "managed"
        except NotFound:
            outcome = "not found"
        except Forbidden:
            outcome = "forbidden"
        # Members who may not manage learn that they may not; others learn nothing.
        expected = ("managed" if role in managers
                    else "forbidden" if role in visible else "not found")
        assert outcome == expected, role


# --------------------------------------------------------------------------- checks


@pytest.mark.parametrize(("check", "policy"), [
    ("ensure_independent_reviewer", "is_independent_reviewer"),
    ("ensure_independent_certifier", "is_independent_certifier"),
])
def test_checks_refuse_where_their_policy_does(db, world, check, policy) -> None:
    ensure = getattr(permissions, check)
    signed_in = {role: states for role, states in ASSESSMENT_POLICIES[policy].items()}
    roles = [role for role in ROLES if role != "anonymous"]
    wrong = [f"{role} / {state}" for role in roles for state in STATES
             if _raises(Forbidden, ensure, db, world.users[role], world.assessments[state])
             is (state in signed_in.get(role, NONE))]
    assert wrong == []


def test_own_organisation_is_named_as_the_reason(db, world) -> None:
    insider = world.users["insider_reviewer"]
    with pytest.raises(Forbidden) as refused:
        permissions.ensure_independent_reviewer(db, insider, world.assessments["submitted"])
    assert refused.value.code == "own_organisation"
    org_admin = world.users["org_admin"]
    accounts.grant_platform_role(db, user=org_admin, role=PlatformRole.evaluator)
    with pytest.raises(Forbidden) as refused:
        permissions.ensure_independent_certifier(db, org_admin, world.assessments["approved"])
    assert refused.value.code == "own_organisation"


def test_only_the_assigned_reviewer_passes(db, world, factory) -> None:
    in_review = world.assessments["in_review"]
    permissions.ensure_assigned_reviewer(world.users["reviewer"], in_review)
    colleague = factory.user(role=None, platform_roles=(PlatformRole.reviewer,))
    with pytest.raises(Forbidden) as refused:
        permissions.ensure_assigned_reviewer(colleague, in_review)
    assert refused.value.code == "not_assigned"
    assert not permissions.can_decide_review(db, colleague, in_review)


def test_revoking_and_publishing_checks(db, world) -> None:
    for role in ROLES:
        user = world.users[role]
        if user is None:
            continue
        revokes = not _raises(Forbidden, permissions.ensure_can_revoke, user)
        assert revokes is (role in USER_POLICIES["can_revoke_certificates"]), role
        approved = world.assessments["approved"]
        publishes = not _raises(Forbidden, permissions.ensure_can_publish, db, user, approved,
                                publish=True)
        assert publishes is permissions.can_publish_result(db, user, approved), role
        withdraws = not _raises(Forbidden, permissions.ensure_can_publish, db, user, approved,
                                publish=False)
        assert withdraws is permissions.can_withdraw_result(db, user, approved), role
