"""The platform says what it is: questionnaires aligned with the named UNECE
instruments, reviewed by the reviewers the operator appoints, in every language."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLAIMS = ("self-assessment checklist of the UNECE standard", "Business Advisory Board reviews")


def sources() -> list[Path]:
    found = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
             *sorted((ROOT / "ppp_assess" / "web" / "templates").rglob("*.html")),
             *sorted((ROOT / "translations").glob("*/LC_MESSAGES/messages.po"))]
    return [path for path in found if path.is_file()]


@pytest.mark.parametrize("path", sources(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_claim_to_be_the_instrument_or_its_board(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    # obsolete entries of a catalog (#~) are no longer shown
    live = "\n".join(line for line in text.splitlines() if not line.startswith("#~"))
    assert not [claim for claim in CLAIMS if claim.lower() in live.lower()]


def test_home_page_says_what_it_is(client) -> None:
    for language in ("en", "fr", "es", "ru", "ar", "zh"):
        body = client.get("/", headers={"Accept-Language": language}).get_data(as_text=True)
        assert f'lang="{language}"' in body
    english = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "questionnaires aligned with the named UNECE instruments" in english
    assert "reviewers the operator of this platform appoints" in english
    french = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "examinateurs que désigne l&#39;exploitant" in french or \
        "examinateurs que désigne l'exploitant" in french
