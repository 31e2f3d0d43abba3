"""The layers of STYLE.md hold: domain code imports only downward (no database needed).

Bottom to top: shared choices (`common`) and the outbox (`mailing`) → the domain code of
`accounts`, `catalog`, `employers` → `enrollment`'s domain code → `elearning` (enrolment on
e-ParcoursPro) and `documents` (the participation documents), which enrollment's services
call with plain function calls (the accepted imports up, `ACCEPTED_UPWARD`) → pages and jobs
(views, forms, admin, tasks, template tags, management commands of any app, `operations`, and
`demo`, the demo's data and `seed_demo`).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYER = {
    "common": 0,
    "mailing": 1,
    "accounts": 2,
    "catalog": 2,
    "employers": 2,
    "enrollment": 3,
    "elearning": 4,
    "documents": 4,
}
TOP = {"operations", "demo", "parcourspro", "bench", "tests"}
# Modules of an app that are pages or jobs: they may reach up.
PAGE_MODULES = {"views", "forms", "admin", "tasks", "urls", "apps", "adapters", "filters"}
PAGE_PACKAGES = {"templatetags", "management", "migrations"}
MAX_LINES = 400
# The only imports up: a registration's move, and the attendance, tell the documents and the
# e-ParcoursPro enrolments what changed (plain calls, no signal nor registry).
ACCEPTED_UPWARD = {
    "enrollment/services/transitions.py": {"documents", "elearning"},
    "enrollment/services/staff.py": {"documents"},
}


def domain_modules():
    for app in LAYER:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT / app).parts
            if (
                parts[0] in PAGE_PACKAGES
                or path.stem in PAGE_MODULES
                or path.stem.endswith(("_views", "_admin"))
            ):
                continue
            yield app, path


def imported_apps(path: Path) -> set[str]:
    """The project's apps a module imports, at any depth (lazy imports included)."""
    apps = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        apps.update(name.split(".")[0] for name in names)
    return apps & (set(LAYER) | TOP)


@pytest.mark.parametrize(
    ("app", "path"),
    list(domain_modules()),
    ids=lambda value: str(value.relative_to(ROOT)) if isinstance(value, Path) else value,
)
def test_domain_code_imports_only_downward(app, path):
    # Same-layer imports are allowed one way only (checked below), never upward.
    upward = {other for other in imported_apps(path) if other in TOP or LAYER[other] > LAYER[app]}
    upward -= ACCEPTED_UPWARD.get(str(path.relative_to(ROOT)), set())
    assert not upward, f"{path.relative_to(ROOT)} imports upward: {sorted(upward)}"


def test_apps_of_one_layer_never_import_each_other_both_ways():
    edges = {
        (app, other)
        for app, path in domain_modules()
        for other in imported_apps(path) - ACCEPTED_UPWARD.get(str(path.relative_to(ROOT)), set())
        if other != app and other in LAYER
    }
    mutual = sorted((a, b) for a, b in edges if (b, a) in edges and a < b)
    assert not mutual, f"apps importing each other: {mutual}"


def test_the_check_catches_an_upward_import(tmp_path):
    """The AST check sees a lazy import inside a function, as a domain module might hide."""
    module = tmp_path / "selectors.py"
    module.write_text("def f():\n    from enrollment.models import Registration\n")
    assert imported_apps(module) == {"enrollment"}


def test_no_module_is_over_400_lines():
    long = {
        str(path.relative_to(ROOT)): length
        for app in [*LAYER, "operations", "demo", "parcourspro"]
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
        and (length := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"


# Imports inside a function that break no cycle: Django's `ready()` (models load first), and
# WeasyPrint, which needs Pango (absent where DOCUMENTS_ENABLED is false).
LAZY_IMPORTS = {("elearning/apps.py", "ready"), ("documents/rendering.py", "render_pdf")}


@pytest.mark.parametrize("app", ["mailing", "documents", "elearning"])
def test_no_import_inside_a_function_hides_a_cycle(app):
    """Tasks live in their services' modules: nothing imports its own callers lazily."""
    found = []
    for path in sorted((ROOT / app).rglob("*.py")):
        name = str(path.relative_to(ROOT))
        if "migrations" in path.parts or path.stem in {"views", "urls", "admin"}:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and (name, node.name) not in LAZY_IMPORTS:
                found += [
                    f"{name}:{sub.lineno}"
                    for sub in ast.walk(node)
                    if isinstance(sub, ast.Import | ast.ImportFrom)
                ]
    assert not found, f"imports inside functions: {found}"
