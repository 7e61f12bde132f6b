"""Static files under content-hashed names, cached for a year.

``url_for('static', filename='css/app.css')`` gives ``/static/css/app.<hash>.css``, the
hash being the first 12 hex digits of the file's SHA-256. A changed file gets a new
name, so browsers and proxies may keep every name for a year without asking again
(``Cache-Control: public, max-age=31536000, immutable``). The plain name is still served,
with a short lifetime, for anything that asks for it directly.

The names are computed once, when the application starts: the files ship with the
package and do not change under a running server.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, send_from_directory

YEAR = 365 * 24 * 3600
#: What the plain (unhashed) names are cached for.
PLAIN_MAX_AGE = 300
HASH_LENGTH = 12


def hashed_names(folder: Path) -> dict[str, str]:
    """Return {plain name: hashed name} for every file under ``folder``."""
    names: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        plain = path.relative_to(folder).as_posix()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LENGTH]
        stem, dot, suffix = plain.rpartition(".")
        names[plain] = f"{stem}.{digest}.{suffix}" if dot and "/" not in suffix else (
            f"{plain}.{digest}")
    return names


def init_app(app: Flask) -> None:
    """Serve the static folder under hashed names and make ``url_for`` build them."""
    assert app.static_folder is not None
    folder = Path(app.static_folder)
    to_hashed = hashed_names(folder)
    to_plain = {hashed: plain for plain, hashed in to_hashed.items()}

    def hashed_url(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and values.get("filename") in to_hashed:
            values["filename"] = to_hashed[values["filename"]]

    def static(filename: str) -> Response:
        plain = to_plain.get(filename)
        if plain is not None:
            response = send_from_directory(folder, plain, max_age=YEAR)
            response.cache_control.public = True
            response.cache_control.immutable = True
            return response
        if filename not in to_hashed:
            abort(404)
        return send_from_directory(folder, filename, max_age=PLAIN_MAX_AGE)

    app.url_defaults(hashed_url)
    app.view_functions["static"] = static
