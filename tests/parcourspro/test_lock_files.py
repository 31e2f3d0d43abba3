"""Two lock files: what production runs (`requirements.lock`, the only one the image installs)
and what development and the tests add (`requirements-dev.lock`); `make` installs both."""

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGES = [
    "accounts",
    "catalog",
    "common",
    "demo",
    "documents",
    "elearning",
    "employers",
    "enrollment",
    "mailing",
    "operations",
    "parcourspro",
    "surveys",
    "web",
]
# Imported by the application only where its optional parts need them.
DEV_ONLY = {"pytest", "pytest-django", "playwright", "hypothesis", "ruff", "factory-boy", "pypdf"}


def pinned(name: str) -> dict[str, str]:
    """{normalised distribution name: version} of a lock file."""
    entries = {}
    for line in (ROOT / name).read_text().splitlines():
        if line and not line.startswith("#"):
            distribution, version = line.split("==")
            entries[re.sub(r"[-_.]+", "-", distribution).lower()] = version
    return entries


def test_the_two_lock_files_share_no_package():
    assert not set(pinned("requirements.lock")) & set(pinned("requirements-dev.lock"))


def test_production_lock_holds_no_test_tool():
    assert not DEV_ONLY & set(pinned("requirements.lock"))
    assert set(pinned("requirements-dev.lock")) >= DEV_ONLY


def test_the_image_installs_production_only_and_make_both():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "requirements.lock" in dockerfile
    assert "requirements-dev.lock" not in dockerfile
    makefile = (ROOT / "Makefile").read_text()
    assert "-r requirements.lock -r requirements-dev.lock" in makefile


def third_party_imports() -> set[str]:
    """Top-level modules the application imports that are neither its own nor the standard
    library's (benchmarks and tests left out)."""
    names = set()
    for package in APP_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - set(APP_PACKAGES) - {"__future__"}


def test_every_module_the_application_imports_is_in_the_production_lock():
    production = set(pinned("requirements.lock"))
    providers = importlib.metadata.packages_distributions()
    missing = {}
    for module in third_party_imports():
        distributions = {
            re.sub(r"[-_.]+", "-", name).lower() for name in providers.get(module, [module])
        }
        if not distributions & production:
            missing[module] = sorted(distributions)
    assert not missing, f"imported by the application, not in requirements.lock: {missing}"
