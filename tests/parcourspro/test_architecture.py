"""The layers of STYLE.md hold, read from the code's own imports (no database needed).

Bottom to top, the domain: shared code (`common`: choices, text, identifiers, the task base)
→ the outbox (`mailing`) → `employers` → `accounts` and `catalog` → `enrollment` →
`documents` and `elearning`, which follow registrations, and `surveys` (questionnaires and
mixité), which reads them. Above every domain package, the
pages (`web`: views, forms, filters, exports, template tags, middleware, the admin), then the
project (`parcourspro`: settings, URLs, the Celery app), the demo and the benchmarks.

`enrollment`'s services call `documents` and `elearning` with plain calls when a
registration moves (a convention to refresh, an enrolment job to record in the same
transaction): those two are the only imports that climb, and nothing else does.
"""

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYER = {
    "common": 0,
    "mailing": 1,
    "employers": 2,
    "accounts": 3,
    "catalog": 3,
    "enrollment": 4,
    "documents": 5,
    "elearning": 5,
    "surveys": 5,
    "web": 6,
    "parcourspro": 7,
    "demo": 7,
    "bench": 8,
}
DOMAIN = {app for app, layer in LAYER.items() if layer <= LAYER["elearning"]}
# The only imports from a lower package up (issue 22 allows three at most).
UPWARD = {("enrollment", "documents"), ("enrollment", "elearning")}
MAX_LINES = 400


def project_modules(apps=LAYER):
    for app in apps:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            # A virtualenv inside the tree (the rush's Locust, bench/rush/.venv) is not code.
            if "migrations" not in parts and ".venv" not in parts:
                yield app, path


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, *, top_level_only: bool = False) -> set[str]:
    """The modules `path` imports (relative imports resolved), at any depth unless
    `top_level_only` (then not those inside a function)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path).split(".") if path.is_relative_to(ROOT) else [path.stem]
    if path.name != "__init__.py":
        package = package[:-1]
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def package_edges() -> dict[tuple[str, str], set[str]]:
    edges = defaultdict(set)
    for app, path in project_modules():
        for module in imports(path):
            other = module.split(".")[0]
            if other in LAYER and other != app:
                edges[(app, other)].add(str(path.relative_to(ROOT)))
    return edges


def test_no_package_imports_a_higher_one_but_the_plain_calls_of_enrollment():
    upward = {
        edge: sorted(files)
        for edge, files in package_edges().items()
        if LAYER[edge[1]] > LAYER[edge[0]] and edge not in UPWARD
    }
    assert not upward, f"imports that climb: {upward}"


def test_the_climbing_imports_are_enrollments_services_only():
    for (app, other), files in package_edges().items():
        if (app, other) in UPWARD:
            assert all(f.startswith("enrollment/services/") for f in files), files


def test_packages_of_one_layer_never_import_each_other():
    edges = package_edges()
    mutual = sorted((a, b) for a, b in edges if (b, a) in edges and a < b and LAYER[a] == LAYER[b])
    assert not mutual, f"packages importing each other: {mutual}"


def test_no_domain_module_imports_a_page():
    """Pages live in `web` only: a domain package holds no view, form, URL or admin."""
    pages = {"views", "forms", "urls", "admin", "filters", "templatetags", "adapters"}
    offenders = [
        str(path.relative_to(ROOT))
        for _app, path in project_modules(DOMAIN)
        if pages & set(path.relative_to(ROOT).with_suffix("").parts)
    ]
    assert not offenders, f"page modules in a domain package: {offenders}"


def test_no_import_cycle_between_modules():
    """Module level imports make no cycle (one inside a function would only hide it, and
    `test_no_import_inside_a_function` forbids those)."""
    graph = defaultdict(set)
    names = {module_name(path): path for _app, path in project_modules()}
    for name, path in names.items():
        for module in imports(path, top_level_only=True):
            # `from package import module` names the module; a package's own __init__
            # re-exporting its modules is not a cycle of theirs.
            if module in names and module != name and not name.startswith(module + "."):
                graph[name].add(module)
    cycles = strongly_connected(graph)
    assert not cycles, f"import cycles: {cycles}"


def strongly_connected(graph) -> list[list[str]]:
    """Tarjan's algorithm: the components of more than one module."""
    index, low, stack, on_stack, result = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for node in list(graph):
        if node not in index:
            visit(node)
    return result


def test_no_import_inside_a_function():
    """No import of the project's code hides inside a function to break a cycle. Django's
    `AppConfig.ready` (signals, checks) and management commands are where Django wants them;
    the benchmarks are scripts that set Django up before importing the project."""
    offenders = []
    for _app, path in project_modules(set(LAYER) - {"bench"}):
        if path.name == "apps.py" or "management" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if (
                    isinstance(node, ast.ImportFrom)
                    and (node.level or (node.module or "").split(".")[0] in LAYER)
                    or isinstance(node, ast.Import)
                    and any(alias.name.split(".")[0] in LAYER for alias in node.names)
                ):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, f"imports inside functions: {offenders}"


def test_the_check_resolves_relative_and_lazy_imports(tmp_path):
    module = ROOT / "enrollment" / "selectors.py"
    assert "enrollment.models" in imports(module)
    lazy = tmp_path / "lazy.py"
    lazy.write_text("def f():\n    from enrollment.models import Registration\n")
    assert "enrollment.models" in imports(lazy)
    assert "enrollment.models" not in imports(lazy, top_level_only=True)


def test_the_cycle_finder_finds_a_cycle():
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("app", sorted(set(LAYER) - {"bench"}))
def test_no_module_is_over_400_lines(app):
    long = {
        str(path.relative_to(ROOT)): length
        for _app, path in project_modules([app])
        if (length := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"
