"""Form validators shared by several blueprints."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms.validators import ValidationError


class EmailAddress:
    """Accept a syntactically valid e-mail address and normalise the field's data.

    Unlike WTForms' ``Email``, this accepts the reserved ``.test`` domain (RFC 6761): the
    demonstration accounts live there, and refusing it would lock them out of the demo.
    Deliverability is not checked: that would need DNS at every sign-in.
    """

    def __init__(self, message: Any = None) -> None:
        self.message = message or _l("Enter an e-mail address like name@example.org.")

    def __call__(self, form: Any, field: Field) -> None:
        if not field.data:
            return
        try:
            result = validate_email(str(field.data), check_deliverability=False,
                                    test_environment=True)
        except EmailNotValidError as error:
            raise ValidationError(str(self.message)) from error
        field.data = result.normalized
