"""Profile the section page and the autosave in process, with cProfile.

    python -m benchmarks.profile_hot_paths [CALLS] [--sort cumulative|tottime]

A scratch SQLite file is seeded by the load harness's seeder; a respondent signs in
through the test client and loads the first section of their draft ``CALLS`` times (50),
then saves ``CALLS`` answers through the JSON API. Each path prints the functions with
the most time (cumulative by default).
"""

from __future__ import annotations

import cProfile
import io
import pstats
import secrets
import sys
import tempfile

from benchmarks.load import seed
from benchmarks.load.run import AUDIT_KEY
from ppp_assess import create_app
from ppp_assess.models import migrate
from ppp_assess.models.database import Database
from tests.factories import sign_in


def _print(profile: cProfile.Profile, title: str, sort: str, lines: int = 30) -> None:
    stream = io.StringIO()
    pstats.Stats(profile, stream=stream).strip_dirs().sort_stats(sort).print_stats(lines)
    print(f"===== {title}")
    print(stream.getvalue())


def main(argv: list[str]) -> int:
    calls = int(argv[0]) if argv and argv[0].isdigit() else 50
    sort = argv[argv.index("--sort") + 1] if "--sort" in argv else "cumulative"
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/profile.sqlite3"
        migrate.upgrade(url)
        database = Database(url, audit_key=AUDIT_KEY.encode())
        tag = secrets.token_hex(4)
        plan = seed.seed(database, seed.SeedCounts(2, 1, 1, 2), tag=tag)
        database.dispose()
        app = create_app({"env": "testing", "database_url": url, "instance_path": folder,
                          "secret_key": "profile", "audit_key": AUDIT_KEY,
                          "base_url": "http://ppp.test"})
        client = app.test_client()
        sign_in(client, f"respondent0.{tag}@load.test", f"load-{tag}-password")
        respondent = plan["respondents"][0]
        page = f"/assessments/{respondent['assessment']}/sections/{plan['sections'][0]['id']}"
        assert client.get(page).status_code == 200
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(calls):
            client.get(page)
        profile.disable()
        _print(profile, f"section page, {calls} GETs", sort)

        question = next(qid for qid, values in plan["values"].items() if len(values) >= 2
                        and all(isinstance(value, str) for value in values[:2]))
        values = plan["values"][question][:2]
        headers = {"Authorization": f"Bearer {respondent['token']}"}
        answers = f"/api/v1/assessments/{respondent['assessment']}"
        version = client.get(answers, headers=headers).get_json()["version"]
        profile = cProfile.Profile()
        profile.enable()
        for number in range(calls):
            response = client.put(f"{answers}/answers/{question}",
                                  json={"value": values[number % 2], "comment": "Profile."},
                                  headers={**headers, "If-Match": str(version)})
            version = response.get_json()["version"]
        profile.disable()
        _print(profile, f"autosave, {calls} PUTs", sort)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
