"""Signing in and out."""

from __future__ import annotations

from tests.factories import PASSWORD, sign_in


def test_sign_in_and_out(client, factory, db) -> None:
    org = factory.organisation()
    user = factory.user(organisation=org)
    db.commit()
    sign_in(client, user.email)
    page = client.get("/")
    assert b"Sign out" in page.data
    response = client.post("/auth/sign-out")
    assert response.status_code == 302
    assert b"Sign in" in client.get("/").data


def test_wrong_password_and_unknown_account_answer_alike(client, factory, db) -> None:
    user = factory.user()
    db.commit()
    wrong = client.post("/auth/sign-in", data={"email": user.email, "password": "nope nope nope"})
    unknown = client.post("/auth/sign-in", data={"email": "nobody@example.org",
                                                 "password": "nope nope nope"})
    assert wrong.status_code == unknown.status_code == 200
    assert b"is not right" in wrong.data and b"is not right" in unknown.data
    assert wrong.data.replace(user.email.encode(), b"") == unknown.data.replace(
        b"nobody@example.org", b"")


def test_session_changes_at_sign_in(client, factory, db) -> None:
    user = factory.user()
    db.commit()
    client.get("/?lang=en")
    before = client.get_cookie("session")
    sign_in(client, user.email)
    after = client.get_cookie("session")
    assert before is not None and after is not None
    assert before.value != after.value


def test_sign_out_ends_other_sessions(app, factory, db) -> None:
    user = factory.user()
    db.commit()
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, user.email)
    sign_in(phone, user.email)
    assert b"Sign out" in phone.get("/").data
    laptop.post("/auth/sign-out")
    assert b"Sign out" not in phone.get("/").data


def test_sign_in_redirects_only_to_local_paths(client, factory, db) -> None:
    user = factory.user()
    db.commit()
    response = client.post("/auth/sign-in?next=//evil.example/x",
                           data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_sign_in_form_requires_csrf(csrf_app, factory, db) -> None:
    user = factory.user()
    db.commit()
    response = csrf_app.test_client().post("/auth/sign-in",
                                           data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400


def test_demo_accounts_on_the_reserved_test_domain_can_sign_in(client, db) -> None:
    from ppp_assess.config import PROJECT_ROOT
    from ppp_assess.services.demo import seed_demo

    seed_demo(db, questionnaire_dir=PROJECT_ROOT / "questionnaires", password=PASSWORD)
    db.commit()
    sign_in(client, "respondent@demo.test")
    assert b"Sign out" in client.get("/", follow_redirects=True).data
