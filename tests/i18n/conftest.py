"""Fixtures of the translation tests: compiled catalogs and an app full of demo data.

The catalogs are compiled into a temporary folder (with the pseudo-locale beside the
real ones), so these tests check the committed ``.po`` files whether or not
``flask translations compile`` ran. The demo data is seeded once per test module inside
a transaction rolled back at the end of the module, like the ``db`` fixture does per test.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from ppp_assess import create_app
from ppp_assess.config import PROJECT_ROOT, UN_LOCALES
from ppp_assess.i18n import catalogs
from ppp_assess.i18n.pseudo import PSEUDO_LOCALE, write_pseudo_catalogs
from ppp_assess.services.demo import seed_demo
from ppp_assess.unit_of_work import get_database
from tests.conftest import ServerLikeClient
from tests.factories import PASSWORD
from tests.i18n.pages import DemoData, collect_demo_data


@pytest.fixture(scope="session")
def compiled_translations(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a folder with every committed catalog compiled, plus the pseudo-locale."""
    directory = tmp_path_factory.mktemp("translations")
    for path in catalogs.TRANSLATIONS_DIR.glob("*/LC_MESSAGES/*.po"):
        target = directory / path.relative_to(catalogs.TRANSLATIONS_DIR)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    catalogs.compile_catalogs(directory)
    write_pseudo_catalogs(directory)
    return directory


@pytest.fixture
def app(make_app: Callable[..., Flask], compiled_translations: Path) -> Flask:
    """Return the test app, offering the six languages (the ``client`` and ``db`` use it)."""
    return make_app(translations_dir=str(compiled_translations))


@pytest.fixture(scope="module")
def seeded(database_url: str, compiled_translations: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, DemoData]]:
    """Return an app offering the six languages and the pseudo-locale, with demo data."""
    app = create_app({
        "env": "testing",
        "database_url": database_url,
        "instance_path": str(tmp_path_factory.mktemp("instance")),
        "secret_key": "test-secret-key",
        "base_url": "http://ppp.test",
        "translations_dir": str(compiled_translations),
        "locales": (*UN_LOCALES, PSEUDO_LOCALE),
        # A crawl is not an attack: rate limits would turn pages into 429s.
        "flask_overrides": {"WTF_CSRF_ENABLED": False, "SERVER_NAME": None,
                            "RATELIMIT_ENABLED": False},
    })
    app.test_client_class = ServerLikeClient
    database = get_database(app)
    connection = database.engine.connect()
    transaction = connection.begin()
    database.use_connection(connection)
    try:
        with app.app_context():
            session = database.new_session(write=True)
            seed_demo(session, questionnaire_dir=PROJECT_ROOT / "questionnaires",
                      password=PASSWORD)
            session.commit()
            data = collect_demo_data(session)
            session.close()
        yield app, data
    finally:
        transaction.rollback()
        connection.close()
        database.dispose()
