"""``flask --app wsgi certificates verify FILE.pdf``: check a certificate offline."""

from __future__ import annotations

from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import current_app
from flask.cli import AppGroup

from ppp_assess.config import ConfigurationError, get_settings
from ppp_assess.domain import certificates as certificate_domain
from ppp_assess.domain.certificates import CertificatePayload
from ppp_assess.pdf import extract_certificate
from ppp_assess.services import signing
from ppp_assess.services.certificates import Outcome, verify_offline

#: Exit status when the file is not a valid certificate for the key.
EXIT_INVALID = 1


@click.group("certificates", cls=AppGroup)
def certificates_group() -> None:
    """Check certificates."""


def _public_key(path: Path | None) -> Ed25519PublicKey:
    if path is not None:
        try:
            return certificate_domain.load_public_key(path.read_bytes())
        except ValueError as error:
            raise click.ClickException(
                f"{path} is not an Ed25519 public key in PEM form: {error}") from error
    settings = get_settings(current_app)
    if not settings.signing_key_pem and not signing.key_path(settings).exists():
        raise click.ClickException(
            "This installation has no signing key yet: pass the platform's public key with "
            "--public-key (it is published at /.well-known/ppp-assess-signing-key.pem).")
    try:
        return signing.public_key(settings)
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from error


def _facts(payload: CertificatePayload) -> list[str]:
    lines = [
        f"Serial:         {payload.serial}",
        f"Subject:        {payload.subject_name} ({payload.subject_type})",
        f"Organisation:   {payload.organisation_name}",
        f"Country:        {payload.country_code}",
        f"Questionnaire:  {payload.questionnaire_id} {payload.questionnaire_version}",
        f"Overall score:  {payload.overall_score} / 100",
        f"Level:          {payload.level_label} ({payload.level_id})",
        "Sections:",
    ]
    for section in payload.section_scores:
        score = section.score if section.score is not None else "not applicable"
        lines.append(f"  {section.title}: {score}")
    lines += [
        f"Reviewer:       {payload.reviewer_name or '-'}",
        f"Approved on:    {payload.approved_on.isoformat()}",
        f"Issued on:      {payload.issued_on.isoformat()}",
        f"Verify online:  {payload.verify_url}",
    ]
    return lines


@certificates_group.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--public-key", "public_key_file",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="PEM file of the platform's public key (default: this installation's).")
def verify_command(file: Path, public_key_file: Path | None) -> None:
    """Check the signature a certificate PDF carries, offline; exit 1 unless it is valid.

    Revocation is not known offline: the facts printed are those the platform signed;
    open the verification address to see whether the certificate was revoked since.
    """
    public_key = _public_key(public_key_file)
    result = verify_offline(extract_certificate(file.read_bytes()), public_key)
    if result.outcome == Outcome.not_a_certificate:
        click.echo(f"NOT A CERTIFICATE: {file} carries no certificate data of this platform.",
                   err=True)
        raise SystemExit(EXIT_INVALID)
    if result.outcome != Outcome.valid or result.payload is None:
        click.echo(f"SIGNATURE DOES NOT MATCH: the certificate data in {file} was altered or "
                   "was not signed with this key. Do not rely on it.", err=True)
        raise SystemExit(EXIT_INVALID)
    click.echo(f"VALID: {file} carries facts signed with the platform's key.")
    for line in _facts(result.payload):
        click.echo(line)
    click.echo("Revocation cannot be checked offline; open the verification address above.")
