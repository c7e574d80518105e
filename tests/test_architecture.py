"""The shape the code keeps (docs/architecture.md): the import contract of `make lint` holds and
would catch an upward import, and only the composition root reads the environment."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "src" / "talksocial"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_imports(cwd: Path, src: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """The package and the contract (pyproject.toml), copied: a test may break the copy."""
    shutil.copytree(PACKAGE, tmp_path / "src" / "talksocial",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_import_contract_holds_on_the_tree_as_it_is(tree_copy: Path) -> None:
    done = _lint_imports(tree_copy, tree_copy / "src")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "BROKEN" not in done.stdout


@pytest.mark.parametrize(
    ("module", "upward_import", "broken"),
    [
        ("domain/collation.py", "import talksocial.storage.models", "Layers"),
        ("storage/clock.py", "import talksocial.web.responses", "Layers"),
        ("web/forms.py", "import talksocial.api.wire", "Layers"),
        ("api/talk.py", "import talksocial.oauth.pkce", "Layers"),  # siblings stay apart
        ("client/_wire.py", "import talksocial.domain.errors", "Client SDK apart"),
        ("testing.py", "import talksocial.storage.db", "Plugin apart"),
    ],
)
def test_an_upward_import_breaks_the_contract(
    tree_copy: Path, module: str, upward_import: str, broken: str
) -> None:
    path = tree_copy / "src" / "talksocial" / module
    source = path.read_text(encoding="utf-8")
    # After the module docstring and `from __future__`, so the file stays valid Python.
    marker = "from __future__ import annotations\n"
    assert marker in source
    path.write_text(source.replace(marker, marker + upward_import + "\n", 1), encoding="utf-8")
    done = _lint_imports(tree_copy, tree_copy / "src")
    assert done.returncode != 0, done.stdout
    assert f"{broken} BROKEN" in done.stdout, done.stdout
    importer = "talksocial." + module.removesuffix(".py").replace("/", ".")
    imported = upward_import.removeprefix("import ")
    assert f"{importer} -> {imported}" in done.stdout, done.stdout


#: The modules that may read the environment: the CLI builds the configuration from it, the
#: composition root's worker factory reads the one value the CLI hands its workers, and
#: `serving` passes the environment on to the server process it starts.
ENVIRONMENT_READERS = {"cli.py", "app.py", "config.py", "serving.py"}


def _reads_environment(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb"):
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "os" and any(
            alias.name in ("environ", "getenv") for alias in node.names
        ):
            return True
    return False


def test_only_the_composition_root_reads_the_environment() -> None:
    readers = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if _reads_environment(ast.parse(path.read_text(encoding="utf-8")))
    }
    assert readers <= ENVIRONMENT_READERS, sorted(readers - ENVIRONMENT_READERS)
    assert "cli.py" in readers  # the check sees what it looks for
