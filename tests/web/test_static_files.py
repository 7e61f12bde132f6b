"""Static files: content-hashed names in every page, cached for a year."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ppp_assess.web import static_files

STATIC = Path(static_files.__file__).resolve().parent / "static"


def test_pages_link_hashed_names_served_for_a_year(client) -> None:
    page = client.get("/auth/sign-in").get_data(as_text=True)
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert links, "the sign-in page loads at least its stylesheet"
    for link in links:
        match = re.fullmatch(r"/static/(.+)\.([0-9a-f]{12})\.(css|js)", link)
        assert match, link
        plain = STATIC / f"{match.group(1)}.{match.group(3)}"
        assert hashlib.sha256(plain.read_bytes()).hexdigest()[:12] == match.group(2)
        response = client.get(link)
        assert response.status_code == 200
        assert response.get_data() == plain.read_bytes()
        assert response.cache_control.max_age == static_files.YEAR
        assert response.cache_control.immutable
        assert response.cache_control.public


def test_plain_names_still_served_briefly_and_unknown_names_404(client) -> None:
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.cache_control.max_age == static_files.PLAIN_MAX_AGE
    assert client.get("/static/css/app.000000000000.css").status_code == 404
    assert client.get("/static/../__init__.py").status_code == 404
    assert client.get("/static/css/nothing.css").status_code == 404
