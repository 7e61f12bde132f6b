"""The limits of the HTTP figures: bare Flask, under the same gunicorn settings.

``GET /page`` answers the bytes of a page captured from the application (the file named
by ``BENCH_PAGE_FILE``) from memory; ``PUT /answer`` parses the JSON body and the
If-Match header as the autosave does and answers a JSON body of the same size as the
application's answer (``BENCH_ANSWER_FILE``), with the next version in it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from flask import Flask, Response, request

app = Flask(__name__)
PAGE = Path(os.environ["BENCH_PAGE_FILE"]).read_bytes()
ANSWER = json.loads(Path(os.environ["BENCH_ANSWER_FILE"]).read_text(encoding="utf-8"))


@app.get("/healthz")
def healthz() -> Response:
    return Response("ok", mimetype="text/plain")


@app.get("/page")
def page() -> Response:
    return Response(PAGE, mimetype="text/html")


@app.put("/answer/<int:assessment_id>/<question_id>")
def answer(assessment_id: int, question_id: str) -> Response:
    body = request.get_json()
    version = int(request.headers["If-Match"].strip('"W/')) + 1
    reply = {**ANSWER, "version": version, "question": question_id,
             "value": body.get("value"), "assessment": assessment_id}
    return Response(json.dumps(reply), mimetype="application/json")
