"""pytest plugin for the workbook tests (nbval): a demo store and a facilitator's query string.

nbval starts each notebook's kernel with this process's environment, so the kernel finds the
store through ``CCM_STORE`` and its identity through ``QUERY_STRING``, as under Voilà.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from ccm_widgets.files.loading import load_demo
from ccm_widgets.store import Store


def pytest_configure(config: pytest.Config) -> None:
    folder = Path(tempfile.mkdtemp(prefix="ccm-workbooks-"))
    path = folder / "ccm.sqlite"
    with Store(path) as store:
        load_demo(store)
        key = store.groups.facilitator_key()
    os.environ["CCM_WORKBOOK_STORE"] = str(path)
    os.environ["CCM_STORE"] = str(path)
    os.environ["CCM_EXPORTS"] = str(folder / "exports")
    os.environ["QUERY_STRING"] = f"groupe=protection&cle={key}"
