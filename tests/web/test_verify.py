"""Public verification: the page, uploads, the JSON API and the published key."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update
from werkzeug.test import EnvironBuilder

from ppp_assess.config import get_settings
from ppp_assess.domain import certificates as certificate_domain
from ppp_assess.models import Certificate
from ppp_assess.services import certificates as certificate_service
from ppp_assess.services import signing
from tests.certificate_support import (
    admin,
    certificate_pdf,
    certified,
    one_byte_changed,
    page_added,
    score_changed,
    signature_changed,
    stranger_signer,
    text_drawn_over,
)
from tests.factories import sign_in


def _upload(client: FlaskClient, url: str, content: bytes, name: str = "certificate.pdf",
            **extra: str) -> str:
    response = client.post(url, data={"certificate": (io.BytesIO(content), name), **extra},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _outcome(html: str) -> str:
    match = re.search(r'class="verification verification-([a-z_]+)"', html)
    assert match is not None, "no verification result on the page"
    return match.group(1)


def test_the_page_shows_the_certified_facts_to_anyone(app, client, db, factory) -> None:
    scenario, certificate = certified(db, factory, app)
    response = client.get(f"/verify/{certificate.serial}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    payload = certificate_service.payload_of(certificate)
    assert certificate.serial in html
    assert "Valid" in html
    assert payload.subject_name in html
    assert scenario.organisation.name in html
    assert "Kazakhstan" in html
    assert payload.reviewer_name in html
    assert certificate.signature in html
    assert 'enctype="multipart/form-data"' in html


def test_a_serial_typed_in_lower_case_leads_to_the_certificate(app, client, db,
                                                               factory) -> None:
    _scenario, certificate = certified(db, factory, app)
    response = client.get(f"/verify/{certificate.serial.lower()}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/verify/{certificate.serial}")
    found = client.get(f"/verify?serial={certificate.serial.lower()}%20")
    assert found.status_code == 302
    assert found.headers["Location"].endswith(f"/verify/{certificate.serial}")


def test_unknown_and_malformed_serials_say_so(app, client, db, factory) -> None:
    certified(db, factory, app)
    unknown = certificate_domain.make_serial(2001, 42)
    response = client.get(f"/verify/{unknown}")
    assert response.status_code == 404
    assert f"No certificate with the serial number {unknown}" in response.get_data(as_text=True)
    # One character off: the check character catches the typing mistake.
    typo = unknown[:-1] + ("A" if unknown[-1] != "A" else "B")
    malformed = client.get(f"/verify/{typo}")
    assert malformed.status_code == 404
    assert "is not a certificate serial number" in malformed.get_data(as_text=True)
    assert client.get("/verify/<script>").status_code == 404
    assert "<script>" not in client.get("/verify/<script>").get_data(as_text=True)


def test_a_revoked_certificate_shows_revoked_with_date_and_reason(app, client, db,
                                                                  factory) -> None:
    _scenario, certificate = certified(db, factory, app)
    certificate_service.revoke_certificate(db, certificate, actor=admin(factory),
                                           reason="The evidence was <b>falsified</b>.")
    db.commit()
    html = client.get(f"/verify/{certificate.serial}").get_data(as_text=True)
    assert "certificate-status-revoked" in html
    assert "The evidence was &lt;b&gt;falsified&lt;/b&gt;." in html
    assert "This certificate was revoked on" in html
    data = client.get(f"/api/v1/certificates/{certificate.serial}").get_json()
    assert data["status"] == "revoked"
    assert data["revocation_reason"] == "The evidence was <b>falsified</b>."
    assert data["revoked_at"].startswith(certificate.revoked_at.date().isoformat())


def test_uploads_are_checked(app, client, db, factory) -> None:
    _scenario, certificate = certified(db, factory, app)
    url = f"/verify/{certificate.serial}"
    payload = certificate.payload.encode()
    genuine = certificate_pdf(app, db, certificate)
    assert _outcome(_upload(client, url, genuine)) == "valid"
    assert _outcome(_upload(client, "/verify", genuine)) == "valid"
    key = signing.signing_key(get_settings(app))
    unknown = score_changed(payload)
    unknown = unknown.replace(certificate.serial.encode(),
                              certificate_domain.make_serial(2001, 3).encode())
    cases = {
        "altered": [
            text_drawn_over(genuine, incremental=False),
            text_drawn_over(genuine, incremental=True),
            page_added(genuine),
            certificate_pdf(app, db, certificate, payload=one_byte_changed(payload)),
            certificate_pdf(app, db, certificate, payload=score_changed(payload)),
            certificate_pdf(app, db, certificate,
                            signature=signature_changed(certificate.signature)),
        ],
        "unknown_signer": [certificate_pdf(app, db, certificate, signer=stranger_signer())],
        "no_such_certificate": [certificate_pdf(
            app, db, certificate, payload=unknown,
            signature=certificate_domain.sign(unknown, key))],
    }
    reasons = {"altered": "Changed after signing", "unknown_signer": "Unknown signer",
               "no_such_certificate": "No such certificate"}
    for outcome, files in cases.items():
        for altered in files:
            html = _upload(client, url, altered)
            assert _outcome(html) == outcome
            assert "Not valid" in html and reasons[outcome] in html
            assert "verification-valid" not in html
    nothing = _upload(client, url, b"%PDF-1.4\n%%EOF\n")
    assert _outcome(nothing) == "not_a_certificate"
    assert "carries no certificate data" in nothing

    certificate_service.revoke_certificate(db, certificate, actor=admin(factory),
                                           reason="Withdrawn by the board.")
    db.commit()
    revoked = _upload(client, url, genuine)
    assert _outcome(revoked) == "revoked"
    assert "Not valid" in revoked
    assert "Revoked on" in revoked
    assert "Withdrawn by the board." in revoked


def test_a_changed_record_cannot_be_verified(app, client, db, factory, caplog) -> None:
    _scenario, certificate = certified(db, factory, app)
    changes = {"payload": score_changed(certificate.payload.encode()).decode(),
               "signature": signature_changed(certificate.signature)}
    for column, value in changes.items():
        original = getattr(certificate, column)
        db.execute(update(Certificate).where(Certificate.id == certificate.id)
                   .values({column: value}))
        db.commit()
        caplog.clear()
        html = client.get(f"/verify/{certificate.serial}").get_data(as_text=True)
        assert "Cannot be verified" in html, column
        assert "certificate-status-valid" not in html and ">Valid<" not in html
        assert "99.5" not in html and certificate.signature not in html
        assert any(certificate.serial in record.getMessage() for record in caplog.records
                   if record.levelname == "ERROR")
        data = client.get(f"/api/v1/certificates/{certificate.serial}").get_json()
        assert data["status"] == "cannot_be_verified", column
        assert data["facts"] is None and data["payload"] is None
        db.execute(update(Certificate).where(Certificate.id == certificate.id)
                   .values({column: original}))
        db.commit()
    assert client.get(f"/api/v1/certificates/{certificate.serial}").get_json()[
        "status"] == "valid"


def test_pdfsig_finds_one_valid_signature_over_the_whole_file(app, client, db,
                                                              factory, tmp_path) -> None:
    if shutil.which("pdfsig") is None:
        pytest.skip("poppler's pdfsig is not installed")
    scenario, _certificate = certified(db, factory, app)
    sign_in(client, scenario.respondent.email)
    for url in (f"/assessments/{scenario.assessment.id}/certificate.pdf",
                f"/assessments/{scenario.assessment.id}/report.pdf"):
        response = client.get(url)
        assert response.status_code == 200
        path = tmp_path / "document.pdf"
        path.write_bytes(response.data)
        output = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True,
                                check=False).stdout
        assert output.count("Signature #") == 1, output
        assert "Signature Validation: Signature is Valid." in output
        assert "Total document signed" in output


def test_an_upload_of_another_certificate_names_it(app, client, db, factory) -> None:
    _first_scenario, first = certified(db, factory, app)
    _second_scenario, second = certified(db, factory, app)
    html = _upload(client, f"/verify/{first.serial}", certificate_pdf(app, db, second))
    assert _outcome(html) == "valid"
    assert f"The file is certificate {second.serial}, not {first.serial}." in html


def test_uploads_must_be_pdf_files_of_reasonable_size(app, client, db, factory) -> None:
    _scenario, certificate = certified(db, factory, app)
    url = f"/verify/{certificate.serial}"
    wrong_type = _upload(client, url, b"hello", name="certificate.txt")
    assert "Choose a PDF file." in wrong_type
    assert "verification-" not in wrong_type.split("<main", 1)[1].split("verify-forms", 1)[0]
    # Built by hand: the test client spools a large body to a file it never closes.
    builder = EnvironBuilder(path=url, method="POST", content_type="multipart/form-data", data={
        "certificate": (io.BytesIO(b"%PDF" + b"0" * (5 * 1024 * 1024 + 1)), "big.pdf")})
    environ = builder.get_environ()
    try:
        too_large = client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()
    assert too_large.status_code == 200
    assert "larger than 5 MB" in too_large.get_data(as_text=True)
    missing = client.post(url, data={}, content_type="multipart/form-data")
    assert "Choose the certificate PDF to check." in missing.get_data(as_text=True)


def test_uploads_need_the_csrf_token(csrf_app, db, factory) -> None:
    _scenario, certificate = certified(db, factory, csrf_app)
    client = csrf_app.test_client()
    url = f"/verify/{certificate.serial}"
    content = certificate_pdf(csrf_app, db, certificate)
    refused = client.post(url, data={"certificate": (io.BytesIO(content), "c.pdf")},
                          content_type="multipart/form-data")
    assert refused.status_code == 400
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token is not None
    html = _upload(client, url, content, csrf_token=token.group(1))
    assert _outcome(html) == "valid"


def test_uploads_are_rate_limited(app, client, db, factory) -> None:
    app.config["CERTIFICATE_VERIFY_LIMIT"] = "2 per minute"
    _scenario, certificate = certified(db, factory, app)
    url = f"/verify/{certificate.serial}"
    content = certificate_pdf(app, db, certificate)
    _upload(client, url, content)
    _upload(client, url, content)
    response = client.post(url, data={"certificate": (io.BytesIO(content), "c.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 429
    # Looking at the page stays possible.
    assert client.get(url).status_code == 200


def test_the_api_gives_the_same_as_json(app, client, db, factory) -> None:
    _scenario, certificate = certified(db, factory, app)
    response = client.get(f"/api/v1/certificates/{certificate.serial.lower()}")
    assert response.status_code == 200
    data = response.get_json()
    assert data["serial"] == certificate.serial
    assert data["status"] == "valid"
    assert data["revoked_at"] is None and data["revocation_reason"] is None
    assert data["signature"] == certificate.signature
    payload = certificate_service.payload_of(certificate)
    assert data["facts"]["overall_score"] == payload.overall_score
    assert data["facts"]["subject_name"] == payload.subject_name
    assert data["facts"]["verify_url"].endswith(certificate.serial)
    # Anyone can check the signature over the exact bytes with the published key.
    key_pem = client.get("/.well-known/ppp-assess-signing-key.pem").data
    assert certificate_domain.verify(data["payload"].encode(), data["signature"],
                                     certificate_domain.load_public_key(key_pem))


def test_the_api_answers_404_for_unknown_and_malformed_serials(app, client, db,
                                                               factory) -> None:
    certified(db, factory, app)
    unknown = client.get(f"/api/v1/certificates/{certificate_domain.make_serial(2001, 9)}")
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == "not_found"
    malformed = client.get("/api/v1/certificates/PPP-2026-1")
    assert malformed.status_code == 404
    assert malformed.get_json()["error"]["code"] == "malformed_serial"


def test_the_public_key_is_published(app, client) -> None:
    response = client.get("/.well-known/ppp-assess-signing-key.pem")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    key = signing.signing_key(get_settings(app))
    key_id = certificate_domain.key_id(key.public_key())
    assert response.data.startswith(f"Key-Id: {key_id}\n-----BEGIN PUBLIC KEY-----".encode())
    published = certificate_domain.load_public_key(response.data)
    message = b"checked by the published key"
    signature = certificate_domain.sign(message, key)
    assert certificate_domain.verify(message, signature, published)
    (only,) = certificate_domain.parse_published_keys(response.data)
    assert only.key_id == key_id
    signer = signing.document_signer(get_settings(app))
    assert only.document_signers == {certificate_domain.spki_der(signer.certificate)}


def test_looking_up_serials_is_rate_limited(app, client) -> None:
    from ppp_assess.web.certificates.documents import DEFAULT_LOOKUP_LIMIT

    per_minute = int(DEFAULT_LOOKUP_LIMIT.split(" ")[0])
    guesses = [certificate_domain.make_serial(2026, number, "AAAAAA")
               for number in range(1, per_minute + 2)]
    answers = [client.get(f"/api/v1/certificates/{serial}").status_code if number % 2 else
               client.get(f"/verify/{serial}").status_code
               for number, serial in enumerate(guesses)]
    # One budget for the page and the API together: the guesses run out of it.
    assert answers[:per_minute] == [404] * per_minute
    assert answers[-1] == 429
