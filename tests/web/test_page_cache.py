"""Section pages kept as rendered: found again only while nothing they show has changed."""

from __future__ import annotations

import io
import re

from sqlalchemy import delete, select

from ppp_assess.domain.reference import PlatformRole
from ppp_assess.models import EvidenceDocument
from ppp_assess.services import accounts
from ppp_assess.web.page_cache import RenderedPages, rendered_pages
from tests.factories import sign_in
from tests.web.test_assessments import answer, make_member, start
from tests.web.test_statement_counts import counting

PDF = b"%PDF-1.4\n%%EOF\n"
TOKEN = re.compile(r'(name="csrf_token" (?:type="hidden" )?value="|data-csrf=")([^"]+)"')


def _address(draft, section: str = "basics") -> str:
    return f"/assessments/{draft.id}/sections/{section}"


def _page(member, draft, section: str = "basics", **query: str) -> str:
    response = member.client.get(_address(draft, section), query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _without_tokens(page: str) -> str:
    return TOKEN.sub(r"\1TOKEN", page)


# ------------------------------------------------------------------------- the store


def test_a_kept_page_comes_back_with_the_token_it_is_asked_with() -> None:
    pages = RenderedPages(budget=10_000)
    pages.put("key", '<input value="abc"><div data-csrf="abc">', "abc")
    assert pages.get("key", "xyz") == b'<input value="xyz"><div data-csrf="xyz">'
    assert pages.get("other", "xyz") is None


def test_a_kept_page_is_sent_as_utf8_and_counted_in_bytes() -> None:
    pages = RenderedPages(budget=10_000)
    page = '<p lang="ar">تقييم</p><input value="abc">'
    pages.put("key", page, "abc")
    assert pages.get("key", "xyz") == page.replace("abc", "xyz").encode()
    assert pages.size == len(page.encode()) - len("abc")


def test_the_least_recently_used_pages_leave_first_within_the_budget() -> None:
    pages = RenderedPages(budget=250)
    for name in "abc":
        pages.put(name, name * 100, "token")
    # Three pages of 100 characters do not fit in 250: the oldest left.
    assert pages.get("a", "t") is None and len(pages) == 2 and pages.size == 200
    pages.get("b", "t")  # b is now the most recently used
    pages.put("d", "d" * 100, "token")
    assert pages.get("c", "t") is None
    assert pages.get("b", "t") == b"b" * 100 and pages.get("d", "t") == b"d" * 100
    pages.put("huge", "h" * 300, "token")
    assert pages.get("huge", "t") is None and pages.size == 200


def test_a_budget_of_nothing_keeps_nothing(make_app) -> None:
    app = make_app(page_cache_mb=0)
    assert rendered_pages(app) is None


# ------------------------------------------------------------------------- the section page


def test_a_page_opened_again_is_answered_without_reading_the_answers(app, member,
                                                                       draft) -> None:
    with counting(app) as first:
        rendered = _page(member, draft)
    with counting(app) as second:
        kept = _page(member, draft)
    assert any("FROM answers" in statement for statement in first)
    assert not any("FROM answers" in statement for statement in second)
    assert len(second) < len(first)
    assert _without_tokens(kept) == _without_tokens(rendered)


def test_a_page_opened_again_is_answered_without_a_session(app, member, draft,
                                                            monkeypatch) -> None:
    """Who is asking and the page's stamp are read on the request's connection: no
    session is made (its bookkeeping cost more than the two statements)."""
    from ppp_assess.models.database import Database

    made: list[bool] = []
    new_session = Database.new_session

    def counted(self, **options):
        made.append(options.get("write", False))
        return new_session(self, **options)

    monkeypatch.setattr(Database, "new_session", counted)
    _page(member, draft)
    assert made  # rendered: the assessment, its answers, ... read through a session
    made.clear()
    _page(member, draft)
    assert made == []


def test_a_kept_page_carries_the_requests_own_csrf_token_and_it_is_accepted(
        csrf_app, db, factory) -> None:
    member = make_member(csrf_app, db, factory)
    draft = start(db, member.user, member.organisation, member.version)
    db.commit()
    _page(member, draft)
    page = _page(member, draft)
    tokens = {match.group(2) for match in TOKEN.finditer(page)}
    assert len(tokens) == 1 and "TOKEN" not in tokens
    response = member.client.post(_address(draft), data={
        "csrf_token": tokens.pop(), "base_version": str(draft.version), "policy": "no",
        "action": "save"})
    assert response.status_code == 302


def test_a_signed_token_is_kept_for_a_minute_and_each_is_accepted(
        csrf_app, db, factory, monkeypatch) -> None:
    import itsdangerous.timed

    member = make_member(csrf_app, db, factory)
    draft = start(db, member.user, member.organisation, member.version)
    db.commit()
    # (Later than the session cookie's signature, which may not come from the future.)
    minute = (itsdangerous.timed.time.time() // 60 + 1) * 60

    def token_at(moment: float) -> str:
        monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: moment)
        return TOKEN.search(_page(member, draft)).group(2)

    first = token_at(minute + 1)
    # Signed again, the token would carry the new second: kept, it is the same.
    assert token_at(minute + 30) == first
    later = token_at(minute + 61)
    assert later != first
    other = make_member(csrf_app, db, factory)
    other_draft = start(db, other.user, other.organisation, other.version)
    db.commit()
    other_token = TOKEN.search(_page(other, other_draft)).group(2)
    assert other_token not in (first, later)
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: minute + 90)
    for token in (first, later):
        db.refresh(draft)
        response = member.client.post(_address(draft), data={
            "csrf_token": token, "base_version": str(draft.version), "policy": "no",
            "action": "save"})
        assert response.status_code == 302


def test_an_answer_saved_by_the_autosave_shows_at_once(app, db, member, draft) -> None:
    checked_no = re.compile(r'<input checked[^>]* name="q_policy" type="radio" value="no">')
    assert not checked_no.search(_page(member, draft))
    response = member.client.put(f"/api/v1/assessments/{draft.id}/answers/policy",
                                 json={"value": "no"}, headers={
                                     "If-Match": str(draft.version), **member.headers})
    assert response.status_code == 200
    assert checked_no.search(_page(member, draft))


def test_an_answer_saved_elsewhere_shows_at_once(db, member, draft) -> None:
    before = _page(member, draft, "details")
    answer(db, draft, member.user, notes="Written by a colleague")
    db.commit()
    assert "Written by a colleague" not in before
    assert "Written by a colleague" in _page(member, draft, "details")


def test_an_attached_document_shows_at_once(member, draft) -> None:
    assert "board-minutes.pdf" not in _page(member, draft)
    response = member.client.post(f"/assessments/{draft.id}/questions/policy/evidence",
                                  data={"file": (io.BytesIO(PDF), "board-minutes.pdf")},
                                  content_type="multipart/form-data")
    assert response.status_code == 302
    assert "board-minutes.pdf" in _page(member, draft)


def test_a_document_changed_alone_shows_at_once(db, member, draft) -> None:
    member.client.post(f"/assessments/{draft.id}/questions/policy/evidence",
                       data={"file": (io.BytesIO(PDF), "minutes.pdf"),
                             "description": "First draft"},
                       content_type="multipart/form-data")
    assert "First draft" in _page(member, draft)  # with the message that it is attached
    assert "First draft" in _page(member, draft)  # kept from now on
    document = db.scalar(select(EvidenceDocument))
    document.description = "Signed minutes"  # nothing else of the assessment changes
    db.commit()
    page = _page(member, draft)
    assert "Signed minutes" in page and "First draft" not in page


def test_a_message_to_show_once_is_shown_once(member, draft) -> None:
    _page(member, draft)
    with member.client.session_transaction() as session:
        session["_flashes"] = [("info", "A message shown once.")]
    assert "A message shown once." in _page(member, draft)
    assert "A message shown once." not in _page(member, draft)


def test_each_language_has_its_own_page(member, draft) -> None:
    english = _page(member, draft)
    french = _page(member, draft, lang="fr")
    assert '<html lang="en"' in english and '<html lang="fr"' in french
    assert '<html lang="fr"' in _page(member, draft)  # the language chosen is remembered


def test_a_new_role_shows_its_links_at_once(db, member, draft) -> None:
    assert "/admin/" not in _page(member, draft)
    accounts.grant_platform_role(db, user=member.user, role=PlatformRole.admin)
    db.commit()
    assert "/admin/" in _page(member, draft)


def test_a_renamed_subject_shows_its_new_name(db, member, draft) -> None:
    before = _page(member, draft)
    member.organisation.name = "Renamed Ministry"
    db.commit()
    assert "Renamed Ministry" not in before
    assert "Renamed Ministry" in _page(member, draft)


def test_a_kept_page_reads_who_is_asking_and_its_stamp_in_one_statement(app, member,
                                                                         draft) -> None:
    _page(member, draft)
    with counting(app) as statements:
        _page(member, draft)
    reads = [statement for statement in statements if statement.lstrip().startswith("SELECT")]
    assert len(reads) == 1, reads
    assert "FROM users" in reads[0] and "FROM assessments" in reads[0]


def test_a_kept_page_is_not_served_to_a_session_ended_since(db, member, draft) -> None:
    from ppp_assess.services.auth import end_sessions

    _page(member, draft)
    end_sessions(db, member.user, reason="signed out elsewhere")
    db.commit()
    response = member.client.get(_address(draft))
    assert response.status_code == 302
    assert "/auth/sign-in" in response.headers["Location"]


def test_a_kept_page_is_not_served_once_the_membership_ends(db, member, draft) -> None:
    from ppp_assess.models import Membership

    _page(member, draft)
    db.execute(delete(Membership).where(Membership.user_id == member.user.id))
    db.commit()
    assert member.client.get(_address(draft)).status_code == 404


def test_another_member_gets_a_page_of_their_own(app, db, factory, member, draft) -> None:
    colleague_user = factory.user(organisation=member.organisation)
    db.commit()
    colleague = app.test_client()
    sign_in(colleague, colleague_user.email)
    _page(member, draft)
    with counting(app) as statements:
        response = colleague.get(_address(draft))
    assert response.status_code == 200
    # Rendered for the colleague (the answers were read), not taken from the member's.
    assert any("FROM answers" in statement for statement in statements)


def test_without_a_budget_every_page_is_rendered(make_app, db, factory) -> None:
    app = make_app(page_cache_mb=0)
    member = make_member(app, db, factory)
    draft = start(db, member.user, member.organisation, member.version)
    db.commit()
    assert rendered_pages(app) is None
    before = _page(member, draft, "details")
    answer(db, draft, member.user, notes="Written by a colleague")
    db.commit()
    assert "Written by a colleague" not in before
    assert "Written by a colleague" in _page(member, draft, "details")
