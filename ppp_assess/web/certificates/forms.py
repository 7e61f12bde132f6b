"""Forms of the certificates blueprint."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ppp_assess.services.certificates import MAX_REVOCATION_REASON_LENGTH

#: Certificates are about 100 kB; anything far larger is not one.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class IssueForm(FlaskForm):
    """Confirms the facts shown: their fingerprint, so that no other facts are signed."""

    facts = HiddenField(validators=[DataRequired()])


class RevokeForm(FlaskForm):
    """Revoke a certificate, saying why."""

    reason = TextAreaField(
        _l("Reason for revocation"),
        description=_l("Shown to everyone who checks this certificate."),
        validators=[
            DataRequired(message=_l("Say why the certificate is revoked.")),
            Length(max=MAX_REVOCATION_REASON_LENGTH,
                   message=_l("Write at most %(max)d characters.")),
        ],
    )


class UploadForm(FlaskForm):
    """A certificate file to check."""

    certificate = FileField(
        _l("Certificate file (PDF)"),
        description=_l("The file is checked and then discarded; it is not kept."),
        render_kw={"accept": ".pdf,application/pdf"},
        validators=[
            FileRequired(message=_l("Choose the certificate PDF to check.")),
            FileAllowed(["pdf"], message=_l("Choose a PDF file.")),
            FileSize(max_size=MAX_UPLOAD_BYTES,
                     message=_l("The file is larger than 5 MB: it is not a certificate.")),
        ],
    )


class SerialForm(FlaskForm):
    """Look a certificate up by its serial number (a GET form, so no CSRF token)."""

    class Meta:
        csrf = False

    serial = StringField(
        _l("Serial number"),
        description=_l("As printed on the certificate, for example PPP-2026-000123-K."),
        validators=[DataRequired(message=_l("Enter the serial number.")), Length(max=40)],
    )
