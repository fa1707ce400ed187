"""The declared dependencies: pyproject.toml and environment.yml list the same packages with
the same bounds, under each index's own names, and every package the code imports is there."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib

import pytest

from tests.conftest import REPO

#: PyPI's name -> conda-forge's, where they differ (normalised names). conda-forge's
#: "playwright" is the Node.js command-line tool, the Python library is "playwright-python";
#: its "nbconvert" is nbconvert-core with pandoc added, PyPI's is nbconvert-core alone.
CONDA_FORGE_NAMES = {"playwright": "playwright-python", "nbconvert": "nbconvert-core"}


def normalise(spec: str) -> tuple[str, str]:
    """``"jupyter_server >=2, <3"`` -> ``("jupyter-server", ">=2,<3")`` (PEP 503 name)."""
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", spec)
    assert match, spec
    return re.sub(r"[-_.]+", "-", match.group(1)).lower(), match.group(2).replace(" ", "")


def pyproject_dependencies(*extras: str) -> set[tuple[str, str]]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in extras:
        specs += project["optional-dependencies"][extra]
    return {normalise(s) for s in specs}


def environment_dependencies() -> set[tuple[str, str]]:
    conda = set()
    lines = (REPO / "environment.yml").read_text().splitlines()
    for line in lines[lines.index("dependencies:") + 1 :]:
        item = line.strip()
        if item.startswith("- ") and not item.startswith(("- pip", "- -e")):
            name, spec = normalise(item[2:])
            if name != "python":
                conda.add((name, spec))
    return conda


def test_pyproject_and_environment_in_step() -> None:
    wanted = {
        (CONDA_FORGE_NAMES.get(name, name), spec) for name, spec in pyproject_dependencies("test")
    }
    assert environment_dependencies() == wanted


def test_the_name_map_names_declared_packages() -> None:
    """A stale entry would be a PyPI name nobody declares any more, or a conda-forge name
    environment.yml no longer asks for."""
    pypi = {name for name, _ in pyproject_dependencies("test")}
    conda = {name for name, _ in environment_dependencies()}
    assert set(CONDA_FORGE_NAMES) <= pypi
    assert set(CONDA_FORGE_NAMES.values()) <= conda
    assert not set(CONDA_FORGE_NAMES) & conda  # the PyPI name would be the wrong package


def imported_modules(*folders: str) -> set[str]:
    """Top-level names of the absolute imports in the folders' Python files, lazy ones
    (inside functions) included, the standard library and the project's own left out."""
    own = {"ccm_widgets", "tests", "benchmarks"}
    names: set[str] = set()
    for folder in folders:
        for path in sorted((REPO / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return names - own - set(sys.stdlib_module_names)


@pytest.mark.parametrize(
    ("folders", "extras"),
    [(("ccm_widgets",), ()), (("tests", "benchmarks"), ("test",))],
    ids=["package", "tests"],
)
def test_every_import_is_declared(folders: tuple[str, ...], extras: tuple[str, ...]) -> None:
    declared = {name for name, _ in pyproject_dependencies(*extras)}
    providers = importlib.metadata.packages_distributions()
    missing = {}
    for module in sorted(imported_modules(*folders)):
        distributions = {normalise(d)[0] for d in providers.get(module, [f"? {module}"])}
        if not distributions & declared:
            missing[module] = sorted(distributions)
    assert not missing, f"imported, not declared in pyproject.toml: {missing}"


def test_the_import_check_sees_lazy_imports() -> None:
    """The check above would pass on a tree it cannot read: it must see an import made
    inside a function, as the server's are."""
    assert {"docx", "playwright", "jinja2"} <= imported_modules("ccm_widgets")
