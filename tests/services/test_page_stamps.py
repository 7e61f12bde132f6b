"""The stamp of a respondent's page: read in one statement, equal to the stored objects'."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from ppp_assess.domain.loader import load_questionnaire
from ppp_assess.domain.workflow import Status
from ppp_assess.models import Assessment, EvidenceDocument
from ppp_assess.services import assessments, evidence, people
from ppp_assess.services.assessments import AnswerInput
from ppp_assess.services.page_stamps import page_stamp, signed_in_with_stamp, stamp_of
from ppp_assess.services.questionnaires import publish_questionnaire
from tests.services.test_upgrades import VERSIONS

NO_MAPPINGS = Path(__file__).resolve().parent


def _stored_stamp(db, assessment: Assessment, directory: Path = NO_MAPPINGS):
    db.expire_all()
    stored = db.get(Assessment, assessment.id)
    return stamp_of(db, stored, evidence.list_evidence(db, stored), directory=directory)


def _member(db, assessment: Assessment):
    user = assessment.created_by
    return people.signed_in(db, user.id, user.session_version)


def test_the_stamp_read_in_one_statement_is_the_stored_objects_stamp(db, factory) -> None:
    assessment = factory.assessment("draft")
    factory.evidence(assessment, filename="minutes.pdf")
    factory.evidence(assessment, filename="contract.pdf")
    db.flush()
    stamp = page_stamp(db, _member(db, assessment), assessment.id, directory=NO_MAPPINGS)
    assert stamp is not None
    assert stamp == _stored_stamp(db, assessment)
    assert stamp.status == Status.draft and stamp.submitted_at is None
    assert stamp.subject == assessment.project.name
    assert [document[3] for document in stamp.documents] == ["minutes.pdf", "contract.pdf"]
    assert stamp.upgrade is None


def test_an_assessment_of_the_organisation_itself_is_stamped_with_its_name(db, factory) -> None:
    organisation = factory.organisation(name="Ministry of Mines")
    user = factory.user(organisation=organisation)
    version = factory.questionnaires()["zero-tolerance-corruption"]
    assessment = assessments.start_assessment(db, actor=user, version=version,
                                              organisation_id=organisation.id)
    db.flush()
    stamp = page_stamp(db, people.signed_in(db, user.id, user.session_version), assessment.id,
                       directory=NO_MAPPINGS)
    assert stamp is not None and stamp.subject == "Ministry of Mines"
    assert stamp.documents == ()
    assert stamp == _stored_stamp(db, assessment)


def test_nobody_but_a_member_gets_a_stamp(db, factory) -> None:
    assessment = factory.assessment("draft")
    outsider = factory.user(organisation=factory.organisation())
    person = people.signed_in(db, outsider.id, outsider.session_version)
    assert page_stamp(db, person, assessment.id, directory=NO_MAPPINGS) is None
    assert page_stamp(db, _member(db, assessment), 2**31 - 1, directory=NO_MAPPINGS) is None


def test_the_user_and_the_stamp_read_together_are_each_read_alone(db, factory) -> None:
    assessment = factory.assessment("draft")
    for name in ("minutes.pdf", "contract.pdf", "annex.pdf"):
        factory.evidence(assessment, filename=name)
    outsider = factory.user(organisation=factory.organisation())
    db.flush()
    user = assessment.created_by
    connection = db.connection()
    person, stamp = signed_in_with_stamp(connection, user.id, user.session_version,
                                         assessment.id, directory=NO_MAPPINGS)
    assert person == people.signed_in(db, user.id, user.session_version)
    assert stamp == _stored_stamp(db, assessment)
    assert [document[3] for document in stamp.documents] == [
        "minutes.pdf", "contract.pdf", "annex.pdf"]
    # Another organisation's member: themselves, and no stamp.
    other, none = signed_in_with_stamp(connection, outsider.id, outsider.session_version,
                                       assessment.id, directory=NO_MAPPINGS)
    assert other == people.signed_in(db, outsider.id, outsider.session_version)
    assert other is not None and none is None
    # A session of an older version: nobody, and no stamp.
    assert signed_in_with_stamp(connection, user.id, user.session_version + 1,
                                assessment.id, directory=NO_MAPPINGS) == (None, None)


def test_the_stamp_moves_with_what_the_page_shows(db, factory) -> None:
    assessment = factory.assessment("draft")
    person = _member(db, assessment)
    seen = [page_stamp(db, person, assessment.id, directory=NO_MAPPINGS)]

    def again() -> None:
        db.flush()
        stamp = page_stamp(db, person, assessment.id, directory=NO_MAPPINGS)
        assert stamp not in seen
        assert stamp == _stored_stamp(db, assessment)
        seen.append(stamp)

    assessments.save_answers(db, assessment, {"pf-1-1": AnswerInput("A new answer")},
                             base_version=assessment.version, actor=assessment.created_by)
    again()
    document = factory.evidence(assessment)
    again()
    db.scalar(select(EvidenceDocument).where(EvidenceDocument.id == document.id)
              ).description = "Signed minutes"
    again()
    assessment.project.name = "Northern rail line, phase 2"
    again()


def test_a_draft_with_a_newer_version_mapped_is_stamped_with_it(db, factory) -> None:
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    old = publish_questionnaire(db, load_questionnaire(VERSIONS / "upgrade-example.yaml")).version
    new = publish_questionnaire(
        db, load_questionnaire(VERSIONS / "upgrade-example-2.yaml")).version
    assessment = assessments.start_assessment(db, actor=user, version=old,
                                              organisation_id=organisation.id)
    db.flush()
    person = people.signed_in(db, user.id, user.session_version)
    stamp = page_stamp(db, person, assessment.id, directory=VERSIONS)
    assert stamp is not None and stamp.upgrade == new.id
    assert stamp == _stored_stamp(db, assessment, VERSIONS)
    unmapped = page_stamp(db, person, assessment.id, directory=NO_MAPPINGS)
    assert unmapped is not None and unmapped.upgrade is None
