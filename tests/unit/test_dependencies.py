"""pyproject.toml and environment.yml list the same dependencies with the same bounds."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import REPO


def normalise(spec: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", spec)
    assert match, spec
    return match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")


def test_pyproject_and_environment_in_step() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = {
        normalise(s) for s in project["dependencies"] + project["optional-dependencies"]["test"]
    }
    conda = set()
    lines = (REPO / "environment.yml").read_text().splitlines()
    for line in lines[lines.index("dependencies:") + 1 :]:
        item = line.strip()
        if item.startswith("- ") and not item.startswith(("- pip", "- -e")):
            name, spec = normalise(item[2:])
            if name != "python":
                conda.add((name, spec))
    assert conda == wanted
