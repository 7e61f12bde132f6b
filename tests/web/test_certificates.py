"""The certificates pages, PDF downloads, their permissions and their rate limit."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from sqlalchemy import select

from ppp_assess.domain.reference import PlatformRole
from ppp_assess.domain.workflow import Status
from ppp_assess.models import Certificate
from ppp_assess.services import certificates as certificate_service
from tests.certificate_support import admin, assessment_in, certified, evaluator, signed_revision
from tests.factories import sign_in


def _text_of(pdf: bytes, tmp_path: Path) -> str:
    source = tmp_path / "download.pdf"
    source.write_bytes(pdf)
    result = subprocess.run(["pdftotext", str(source), "-"], capture_output=True, check=True,
                            timeout=60)
    return result.stdout.decode("utf-8")


# --------------------------------------------------------------------------- the list page


def test_evaluators_see_what_is_ready_and_issue_a_certificate(app, client, db, factory) -> None:
    scenario = assessment_in(db, factory, "approved")
    user = evaluator(factory)
    db.commit()
    sign_in(client, user.email)
    page = client.get("/certificates/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Copperbelt heavy-haul rail line" in html
    assert f"/certificates/issue/{scenario.assessment.id}" in html

    # The list leads to a page showing exactly the facts to be signed.
    confirm = client.get(f"/certificates/issue/{scenario.assessment.id}")
    assert confirm.status_code == 200
    confirm_html = confirm.get_data(as_text=True)
    preview = certificate_service.preview_certificate(
        db, scenario.assessment, actor=user, base_url="http://ppp.test")
    for fact in (preview.subject_name, preview.organisation_name, preview.reviewer_name,
                 "Assigned when the certificate is issued", "It is not a certification by UNECE",
                 "http://ppp.test/verify/"):
        assert fact in confirm_html, fact
    assert f"{float(preview.overall_score):.1f} out of 100" in confirm_html
    assert db.scalar(select(Certificate)) is None  # looking changes nothing
    db.commit()
    # Without the confirmation of the facts, nothing is issued.
    unconfirmed = client.post(f"/certificates/issue/{scenario.assessment.id}")
    assert unconfirmed.status_code == 400
    assert "confirm them to issue the certificate" in unconfirmed.get_data(as_text=True)
    assert client.post(f"/certificates/issue/{scenario.assessment.id}",
                       data={"facts": "0" * 64}).status_code == 409
    assert db.scalar(select(Certificate)) is None
    response = client.post(f"/certificates/issue/{scenario.assessment.id}",
                           data={"facts": _confirmed(confirm_html)})
    assert response.status_code == 302
    certificate = db.scalar(select(Certificate).where(
        Certificate.assessment_id == scenario.assessment.id))
    assert certificate is not None and certificate.issued_by_id == user.id
    db.refresh(scenario.assessment)
    assert scenario.assessment.status == Status.certified
    db.commit()  # the test's reads end before the next request
    listed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Certificate {certificate.serial} issued." in listed
    assert f"/verify/{certificate.serial}" in listed
    assert f"/certificates/issue/{scenario.assessment.id}" not in listed


def _confirmed(html: str) -> str:
    """Return the fingerprint of the facts a confirmation page shows."""
    match = re.search(r'name="facts" type="hidden" value="([0-9a-f]{64})"', html)
    assert match is not None, "no confirmation on the page"
    return match.group(1)


def test_issuing_twice_is_a_conflict(app, client, db, factory) -> None:
    scenario, _certificate = certified(db, factory, app)
    user = evaluator(factory)
    db.commit()
    sign_in(client, user.email)
    assert client.post(f"/certificates/issue/{scenario.assessment.id}").status_code == 409


def test_a_draft_cannot_be_certified_through_the_page(app, client, db, factory) -> None:
    scenario = assessment_in(db, factory, "draft")
    user = admin(factory)
    db.commit()
    sign_in(client, user.email)
    response = client.post(f"/certificates/issue/{scenario.assessment.id}")
    assert response.status_code == 409
    assert db.scalar(select(Certificate)) is None


def test_the_certificates_page_is_for_evaluators_and_administrators(app, client, db,
                                                                    factory) -> None:
    scenario = assessment_in(db, factory, "approved")
    respondent = scenario.respondent
    reviewer = scenario.reviewer
    db.commit()
    assert client.get("/certificates/").status_code == 302  # signed out: to the sign-in page
    for user in (respondent, reviewer):
        sign_in(client, user.email)
        assert client.get("/certificates/").status_code == 404
        assert client.post(f"/certificates/issue/{scenario.assessment.id}").status_code == 404
        client.post("/auth/sign-out")
    assert db.scalar(select(Certificate)) is None


def test_csrf_protects_issuing(csrf_app, db, factory) -> None:
    scenario = assessment_in(db, factory, "approved")
    user = evaluator(factory)
    db.commit()
    client = csrf_app.test_client()
    page = client.get("/auth/sign-in").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    from tests.factories import PASSWORD

    client.post("/auth/sign-in", data={"email": user.email, "password": PASSWORD,
                                       "csrf_token": token})
    assert client.post(f"/certificates/issue/{scenario.assessment.id}").status_code == 400
    assert db.scalar(select(Certificate)) is None


# --------------------------------------------------------------------------- revocation


def test_administrators_revoke_with_a_reason(app, client, db, factory) -> None:
    scenario, certificate = certified(db, factory, app)
    user = admin(factory)
    db.commit()
    sign_in(client, user.email)
    assert "Revoke" in client.get("/certificates/").get_data(as_text=True)
    form = client.get(f"/certificates/{certificate.serial}/revoke")
    assert form.status_code == 200 and "Reason for revocation" in form.get_data(as_text=True)

    empty = client.post(f"/certificates/{certificate.serial}/revoke", data={"reason": "  "})
    assert empty.status_code == 200
    assert "Say why the certificate is revoked." in empty.get_data(as_text=True)
    db.refresh(certificate)
    assert certificate.revoked_at is None
    db.commit()

    done = client.post(f"/certificates/{certificate.serial}/revoke",
                       data={"reason": "The evidence was falsified."})
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/verify/{certificate.serial}")
    db.refresh(certificate)
    db.refresh(scenario.assessment)
    assert certificate.revoked_at is not None
    assert scenario.assessment.status == Status.revoked
    db.commit()
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Revoked" in page and "The evidence was falsified." in page


def test_evaluators_cannot_revoke(app, client, db, factory) -> None:
    _scenario, certificate = certified(db, factory, app)
    user = evaluator(factory)
    db.commit()
    sign_in(client, user.email)
    assert "/revoke" not in client.get("/certificates/").get_data(as_text=True)
    response = client.post(f"/certificates/{certificate.serial}/revoke",
                           data={"reason": "No."})
    assert response.status_code == 404
    db.refresh(certificate)
    assert certificate.revoked_at is None


# --------------------------------------------------------------------------- downloads


def test_a_downloaded_certificate_is_a_sound_pdf_with_its_serial(app, client, db, factory,
                                                                 tmp_path) -> None:
    scenario, certificate = certified(db, factory, app)
    sign_in(client, scenario.respondent.email)
    response = client.get(f"/assessments/{scenario.assessment.id}/certificate.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert certificate.serial in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    pdf = response.data
    source = tmp_path / "certificate.pdf"
    source.write_bytes(pdf)
    check = subprocess.run(["qpdf", "--check", str(source)], capture_output=True, timeout=60,
                           check=False)
    assert check.returncode == 0, check.stdout.decode() + check.stderr.decode()
    text = _text_of(pdf, tmp_path)
    assert certificate.serial in text
    assert "Copperbelt heavy-haul rail line" in text
    # What the file carries is exactly what was signed.
    from ppp_assess.pdf import extract_certificate

    assert extract_certificate(pdf) == (certificate.payload.encode(), certificate.signature)


def test_the_language_is_chosen_in_the_path_or_the_query(app, client, db, factory) -> None:
    scenario, _certificate = certified(db, factory, app)
    sign_in(client, scenario.respondent.email)
    base = f"/assessments/{scenario.assessment.id}"
    by_path = client.get(f"{base}/en/certificate.pdf")
    by_query = client.get(f"{base}/certificate.pdf?lang=en")
    assert by_path.status_code == by_query.status_code == 200
    # Rendering is deterministic; only the signature (its time) differs.
    assert signed_revision(by_path.data) == signed_revision(by_query.data)
    assert "-en.pdf" in by_path.headers["Content-Disposition"]
    unknown = client.get(f"{base}/xx/certificate.pdf")
    assert unknown.status_code == 400
    assert "not available" in unknown.get_data(as_text=True)


def test_who_may_download_a_certificate(app, client, db, factory) -> None:
    scenario, _certificate = certified(db, factory, app)
    outsider = factory.user(organisation=factory.organisation())
    colleague = factory.user(organisation=scenario.organisation)
    allowed = (colleague, scenario.reviewer, evaluator(factory), admin(factory))
    db.commit()
    url = f"/assessments/{scenario.assessment.id}/certificate.pdf"
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/auth/sign-in" in anonymous.headers["Location"]
    sign_in(client, outsider.email)
    assert client.get(url).status_code == 404
    assert client.get(f"/assessments/{scenario.assessment.id}/report.pdf").status_code == 404
    client.post("/auth/sign-out")
    for user in allowed:
        sign_in(client, user.email)
        assert client.get(url).status_code == 200, user.email
        client.post("/auth/sign-out")


def test_no_certificate_to_download_before_issue_or_after_revocation(app, client, db,
                                                                     factory) -> None:
    approved = assessment_in(db, factory, "approved")
    scenario, certificate = certified(db, factory, app)
    certificate_service.revoke_certificate(db, certificate, actor=admin(factory),
                                           reason="Withdrawn.")
    user = admin(factory)
    db.commit()
    sign_in(client, user.email)
    assert client.get(f"/assessments/{approved.assessment.id}/certificate.pdf").status_code == 404
    assert client.get(f"/assessments/{scenario.assessment.id}/certificate.pdf").status_code == 409


def test_the_report_of_a_draft_is_marked_draft(app, client, db, factory, tmp_path) -> None:
    scenario = assessment_in(db, factory, "draft", comment="Chapter 3 of the manual.")
    db.commit()
    sign_in(client, scenario.respondent.email)
    response = client.get(f"/assessments/{scenario.assessment.id}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _text_of(response.data, tmp_path)
    assert "DRAFT" in text or "Draft" in text
    assert "Chapter 3 of the manual." in text
    assert "Copperbelt heavy-haul rail line" in text


def test_who_may_download_a_report(app, client, db, factory) -> None:
    draft = assessment_in(db, factory, "draft")
    submitted = assessment_in(db, factory, "submitted")
    user = evaluator(factory)
    db.commit()
    sign_in(client, draft.reviewer.email)
    # Reviewers see submitted work, never drafts.
    assert client.get(f"/assessments/{draft.assessment.id}/report.pdf").status_code == 404
    assert client.get(f"/assessments/{submitted.assessment.id}/report.pdf").status_code == 200
    client.post("/auth/sign-out")
    sign_in(client, user.email)
    # Evaluators see approved work only.
    assert client.get(f"/assessments/{submitted.assessment.id}/report.pdf").status_code == 404


# --------------------------------------------------------------------------- the API


def test_the_api_serves_the_same_documents(app, client, db, factory) -> None:
    scenario, _certificate = certified(db, factory, app)
    url = f"/api/v1/assessments/{scenario.assessment.id}/certificate.pdf"
    anonymous = client.get(url)
    assert anonymous.status_code == 401 and anonymous.is_json
    sign_in(client, scenario.respondent.email)
    by_api = client.get(f"{url}?lang=en")
    assert by_api.status_code == 200 and by_api.mimetype == "application/pdf"
    assert signed_revision(by_api.data) == signed_revision(client.get(
        f"/assessments/{scenario.assessment.id}/en/certificate.pdf").data)
    report = client.get(f"/api/v1/assessments/{scenario.assessment.id}/report.pdf")
    assert report.status_code == 200 and report.data.startswith(b"%PDF")
    wrong = client.get(f"{url}?lang=xx")
    assert wrong.status_code == 400
    assert wrong.get_json()["error"]["code"] == "unsupported_language"


def test_the_api_hides_other_organisations_assessments(app, client, db, factory) -> None:
    scenario, _certificate = certified(db, factory, app)
    outsider = factory.user(organisation=factory.organisation())
    db.commit()
    sign_in(client, outsider.email)
    response = client.get(f"/api/v1/assessments/{scenario.assessment.id}/certificate.pdf")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


# --------------------------------------------------------------------------- rate limit


def test_pdf_downloads_are_rate_limited(app, client, db, factory) -> None:
    app.config["PDF_DOWNLOAD_LIMIT"] = "3 per minute"
    scenario, _certificate = certified(db, factory, app)
    sign_in(client, scenario.respondent.email)
    assessment_id = scenario.assessment.id
    # Pages and API draw on one budget.
    assert client.get(f"/assessments/{assessment_id}/certificate.pdf").status_code == 200
    assert client.get(f"/assessments/{assessment_id}/report.pdf").status_code == 200
    assert client.get(
        f"/api/v1/assessments/{assessment_id}/certificate.pdf").status_code == 200
    page = client.get(f"/assessments/{assessment_id}/certificate.pdf")
    assert page.status_code == 429
    assert "Please wait a moment and try again." in page.get_data(as_text=True)
    api = client.get(f"/api/v1/assessments/{assessment_id}/report.pdf")
    assert api.status_code == 429
    assert api.get_json()["error"]["code"] == "429"
    # Another user has a budget of their own.
    client.post("/auth/sign-out")
    other = factory.user(organisation=scenario.organisation)
    db.commit()
    sign_in(client, other.email)
    assert client.get(f"/assessments/{assessment_id}/certificate.pdf").status_code == 200


def test_navigation_shows_certificates_to_evaluators(app, client, db, factory) -> None:
    user = factory.user(role=None, platform_roles=(PlatformRole.evaluator,))
    db.commit()
    assert "/verify" in client.get("/").get_data(as_text=True)
    assert 'href="/certificates/"' not in client.get("/").get_data(as_text=True)
    sign_in(client, user.email)
    assert 'href="/certificates/"' in client.get("/").get_data(as_text=True)


def test_the_confirmation_page_of_an_assessment_not_ready_leads_back(app, client, db,
                                                                      factory) -> None:
    scenario, _certificate = certified(db, factory, app)
    user = evaluator(factory)
    db.commit()
    sign_in(client, user.email)
    response = client.get(f"/certificates/issue/{scenario.assessment.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/certificates/")
    assert "Only approved assessments can be certified." in client.get(
        "/certificates/").get_data(as_text=True)


def test_the_holder_s_pages_link_to_the_certificate_and_show_revocation(app, client, db,
                                                                       factory) -> None:
    scenario, certificate = certified(db, factory, app)
    assessment = scenario.assessment
    db.commit()
    sign_in(client, scenario.respondent.email)
    project_url = f"/projects/{assessment.project_id}"
    assessment_url = f"/assessments/{assessment.id}/submitted"
    for url in (project_url, assessment_url):
        html = client.get(url).get_data(as_text=True)
        assert f"/verify/{certificate.serial}" in html, url
        assert f"/assessments/{assessment.id}/certificate.pdf" in html, url
        assert f"/assessments/{assessment.id}/report.pdf" in html, url
        assert "revoked" not in html.lower().replace("status-revoked", ""), url

    certificate_service.revoke_certificate(db, certificate, actor=admin(factory),
                                           reason="The evidence was withdrawn.")
    db.commit()
    for url in (project_url, assessment_url):
        html = client.get(url).get_data(as_text=True)
        assert "This certificate was revoked on" in html, url
        assert "The evidence was withdrawn." in html, url
        assert f"/assessments/{assessment.id}/certificate.pdf" not in html, url
        assert f"/assessments/{assessment.id}/report.pdf" in html, url
