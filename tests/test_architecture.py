"""Architecture rules that code review alone would let slip."""

from __future__ import annotations

import ast
from pathlib import Path

import ppp_assess

PACKAGE = Path(ppp_assess.__file__).parent
FORBIDDEN_IN_DOMAIN = {"flask", "flask_babel", "flask_login", "flask_wtf", "sqlalchemy",
                       "wtforms", "babel", "reportlab", "alembic"}


def _from_module(node: ast.ImportFrom, path: Path) -> str:
    """Return the absolute module of ``from X import ...``, resolving relative imports."""
    if node.level == 0:
        return node.module or ""
    # The package holding the file: a module's own name, or ``__init__``, is dropped.
    package = ["ppp_assess", *path.relative_to(PACKAGE).with_suffix("").parts][:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = _from_module(node, path)
            modules.add(module)
            # ``from ppp_assess import web`` imports the module ppp_assess.web.
            modules.update(f"{module}.{alias.name}" for alias in node.names)
    return modules


def _imported_roots(path: Path) -> set[str]:
    return {module.split(".")[0] for module in _imported_modules(path)}


def test_domain_imports_no_framework() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(_imported_roots(path) & FORBIDDEN_IN_DOMAIN)
        for path in (PACKAGE / "domain").rglob("*.py")
        if _imported_roots(path) & FORBIDDEN_IN_DOMAIN
    }
    assert offenders == {}


def test_domain_imports_nothing_from_outer_layers() -> None:
    outer = ("ppp_assess.models", "ppp_assess.services", "ppp_assess.web", "ppp_assess.pdf",
             "ppp_assess.cli")
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(
            module for module in _imported_modules(path) if module.startswith(outer)
        )
        for path in (PACKAGE / "domain").rglob("*.py")
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from flask import g\nimport sqlalchemy.orm\n", encoding="utf-8")
    assert _imported_roots(sample) & FORBIDDEN_IN_DOMAIN == {"flask", "sqlalchemy"}


def test_the_check_resolves_relative_imports() -> None:
    # A relative import is an import too: ``from ..web import errors`` in a service module
    # must count as ppp_assess.web.errors.
    node = ast.parse("from ..web import errors").body[0]
    assert isinstance(node, ast.ImportFrom)
    assert _from_module(node, PACKAGE / "services" / "outbox.py") == "ppp_assess.web"
    package_node = ast.parse("from . import views").body[0]
    assert isinstance(package_node, ast.ImportFrom)
    assert _from_module(package_node, PACKAGE / "web" / "auth" / "__init__.py") == (
        "ppp_assess.web.auth")


def _names_imported_from(path: Path, module: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == module
        for alias in node.names
    }


def test_services_do_not_touch_the_request() -> None:
    request_state = {"request", "session", "g", "flash"}
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(_names_imported_from(path, "flask") & request_state)
        for path in (PACKAGE / "services").rglob("*.py")
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_services_and_domain_never_commit() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for folder in ("services", "domain")
        for path in (PACKAGE / folder).rglob("*.py")
        if ".commit()" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_services_leave_documents_to_the_adapters() -> None:
    # Services build documents as domain dataclasses; rendering and reading PDF files is
    # the PDF adapter's job, called by the web and command-line adapters.
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(
            module for module in _imported_modules(path) if module.startswith("ppp_assess.pdf")
        )
        for path in (PACKAGE / "services").rglob("*.py")
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def _imported_names(path: Path) -> set[str]:
    """Return the modules ``path`` imports and every ``module.name`` it imports from them."""
    return _imported_modules(path)


def _formats_for_itself(name: str) -> bool:
    return name == "flask_babel" or name.startswith(("flask_babel.", "ppp_assess.presentation"))


def test_formatting_is_left_to_the_presentation_adapter() -> None:
    # Services and the domain hand numbers, dates and msgids to the adapters, which show
    # them through ppp_assess.presentation; they receive a Localiser where they word
    # documents or exports, and never format in a language of their own.
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(
            name for name in _imported_names(path) if _formats_for_itself(name))
        for folder in ("services", "domain")
        for path in (PACKAGE / folder).rglob("*.py")
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_check_sees_an_import_of_the_presentation_module(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from ppp_assess import presentation\n"
                      "from flask_babel import format_decimal\n", encoding="utf-8")
    assert {name for name in _imported_names(sample) if _formats_for_itself(name)} == {
        "ppp_assess.presentation", "flask_babel", "flask_babel.format_decimal"}
