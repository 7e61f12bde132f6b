"""``flask --app wsgi certificates verify FILE.pdf`` and ``certificates rotate-key``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ppp_assess.config import ConfigurationError, get_settings
from ppp_assess.domain import certificates as certificate_domain
from ppp_assess.domain.certificates import CertificatePayload, PublishedKey
from ppp_assess.pdf import document_signature, extract_certificate
from ppp_assess.services import signing
from ppp_assess.services.certificates import Outcome, Verification, verify_document, verify_offline
from ppp_assess.unit_of_work import get_database

#: Exit status when the file is not a valid certificate.
EXIT_INVALID = 1

#: Why a file is not valid, as the command says it.
REASONS = {
    Outcome.altered: "changed after signing: this file is not the document the platform "
                     "signed, or it is not signed at all.",
    Outcome.unknown_signer: "unknown signer: this file was signed with a key that is not "
                            "the platform's.",
    Outcome.no_such_certificate: "no such certificate: the platform never issued the serial "
                                 "number in this file.",
    Outcome.not_a_certificate: "not a certificate: this file carries no certificate data of "
                               "the platform.",
    Outcome.unverifiable: "cannot be verified: the platform's own record of this certificate "
                          "fails its signature check.",
}


@click.group("certificates", cls=AppGroup)
def certificates_group() -> None:
    """Check certificates and manage the signing keys."""


def _published_keys(path: Path) -> list[PublishedKey]:
    try:
        return certificate_domain.parse_published_keys(path.read_bytes())
    except ValueError as error:
        raise click.ClickException(
            f"{path} is not an Ed25519 public key in PEM form: {error}") from error


def _installation_keys() -> list[PublishedKey]:
    settings = get_settings(current_app)
    if not settings.signing_key_pem and not signing.key_path(settings).exists() and \
            not any(signing.keys_dir(settings).glob("ed25519-*.pem")):
        raise click.ClickException(
            "This installation has no signing key yet: pass the platform's public keys with "
            "--public-key (they are published at /.well-known/ppp-assess-signing-key.pem).")
    try:
        return signing.published_keys(settings)
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
    ]
    if payload.verified_score is not None:
        lines.append(f"Verified score: {payload.verified_score} / 100"
                     " (counting what evidence backs)")
    lines += [
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


def _refuse(file: Path, result: Verification) -> None:
    if result.outcome == Outcome.revoked and result.certificate is not None \
            and result.certificate.revoked_at is not None:
        reason = (f"revoked on {result.certificate.revoked_at:%Y-%m-%d}: "
                  f"{result.certificate.revocation_reason}")
    else:
        reason = REASONS.get(result.outcome, result.outcome.value)
    click.echo(f"NOT VALID: {file}: {reason} Do not rely on it.", err=True)
    raise SystemExit(EXIT_INVALID)


@certificates_group.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--public-key", "public_key_file",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The platform's published key file: check offline with these keys, "
                   "without this installation's database.")
def verify_command(file: Path, public_key_file: Path | None) -> None:
    """Check a certificate PDF; exit 1 unless it is valid.

    By default the file is checked with this installation's keys and against its records,
    revocation included. With --public-key it is checked offline: the facts printed are
    those the platform signed; open the verification address to see whether the
    certificate was revoked since.
    """
    content = file.read_bytes()
    carried, document = extract_certificate(content), document_signature(content)
    if public_key_file is not None:
        result = verify_offline(carried, document, _published_keys(public_key_file))
    else:
        keys = _installation_keys()
        with get_database().reading() as session:
            result = verify_document(session, carried, document, keys)
            if result.outcome != Outcome.valid or result.payload is None:
                _refuse(file, result)
    if result.outcome != Outcome.valid or result.payload is None:
        _refuse(file, result)
    assert result.payload is not None
    click.echo(f"VALID: {file} was signed by the platform (key {result.key_id}) and has "
               "not been changed since.")
    for line in _facts(result.payload):
        click.echo(line)
    if public_key_file is not None:
        click.echo("Revocation cannot be checked offline; open the verification address above.")
    else:
        click.echo("The certificate is on record and has not been revoked.")


@certificates_group.command("rotate-key")
def rotate_key_command() -> None:
    """Make a new signing key and certificate; earlier keys keep verifying what they signed."""
    settings = get_settings(current_app)
    try:
        key = signing.rotate(settings)
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"New signing key {key.key_id} (number {key.number:04d}) in "
               f"{signing.keys_dir(settings)}; it signs every certificate from now on.")
    click.echo("Earlier keys stay published at /.well-known/ppp-assess-signing-key.pem.")


@certificates_group.command("bundle")
@click.option("--questionnaire", "questionnaire_id", required=True,
              help="Questionnaire id, for example people-first.")
@click.option("--version", "version", default=None,
              help="Questionnaire version (default: the newest published).")
@click.option("--lang", "language", default=None,
              help="Language of the certificates (default: the default locale).")
@click.argument("outfile", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def bundle_command(questionnaire_id: str, version: str | None, language: str | None,
                   outfile: Path) -> None:
    """Write every valid certificate of a questionnaire's round into one ZIP file OUTFILE.

    Each certificate is rendered in the chosen language and signed as a download is;
    revoked ones are left out. Shows its progress as it goes.
    """
    from flask_babel import force_locale

    from ppp_assess.commands.progress import progress
    from ppp_assess.services import export_jobs, exports
    from ppp_assess.services.benchmarks import DashboardFilters
    from ppp_assess.services.errors import NotFound
    from ppp_assess.web.benchmarks.jobs import write_certificates_zip
    from ppp_assess.web.locale import available_locales

    locale = language or current_app.config.get("BABEL_DEFAULT_LOCALE", "en")
    offered = available_locales(current_app)
    if locale not in offered:
        raise click.ClickException(
            f"Unknown or uncompiled language {locale!r}; offered: {', '.join(offered)}.")
    partial = outfile.with_name(outfile.name + ".part")
    with get_database().reading() as session:
        try:
            found = exports.find_version(session, questionnaire_id, version)
        except NotFound as error:
            raise click.ClickException(
                f"No published questionnaire {questionnaire_id!r}"
                + (f" version {version!r}" if version else "") + ".") from error
        filters = DashboardFilters(questionnaire_id=questionnaire_id)
        total = export_jobs.count_certificates(session, found, filters)
        try:
            with force_locale(locale):
                written = write_certificates_zip(
                    session, found, filters, locale, partial,
                    lambda items: progress(items, total=total, label="Writing certificates"))
            partial.replace(outfile)
        finally:
            partial.unlink(missing_ok=True)
    click.echo(f"Wrote {written} certificates of {found.questionnaire_id} {found.version} "
               f"to {outfile} ({locale}).")
