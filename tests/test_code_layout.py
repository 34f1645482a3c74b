"""The layout rules of issue 13 that import-linter cannot see: no module too long to read, and no import hidden
inside a function to dodge a cycle (the contracts in .importlinter only see module-level imports)."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("config", "demo", "inspections", "notifications", "ops", "organizations", "programmes", "rollups",
        "security", "workflows", "webhooks", "selfchecks")
MAX_LINES = 450


def _app_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _local_imports(tree: ast.Module):
    """Project imports inside a function body, except an AppConfig.ready() (Django's place for them)."""
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) or fn.name == "ready":
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module.split(".")[0] in APPS:
                yield node.lineno, node.module
            elif isinstance(node, ast.Import) and node.names[0].name.split(".")[0] in APPS:
                yield node.lineno, node.names[0].name


def test_no_project_import_is_hidden_inside_a_function():
    hidden = [f"{path.relative_to(ROOT)}:{line} {module}" for path in _app_modules()
              for line, module in _local_imports(ast.parse(path.read_text(encoding="utf-8")))]
    assert hidden == []


def test_no_app_module_is_longer_than_450_lines():
    long = {str(path.relative_to(ROOT)): n for path in _app_modules()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_the_checks_see_what_they_are_meant_to_refuse():
    hidden = ast.parse("def f():\n    from inspections.orders import services\n    import workflows.visit\n")
    assert [m for _, m in _local_imports(hidden)] == ["inspections.orders", "workflows.visit"]
    allowed = ast.parse("class C:\n    def ready(self):\n        from inspections import checks\n")
    assert list(_local_imports(allowed)) == []
