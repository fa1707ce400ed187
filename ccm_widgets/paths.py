"""Where the files that ship with ccm-workbook are: the workbooks, the demo meeting, the
Voilà page template. The one place that knows the two layouts.

- An installed wheel carries them inside the package: ``ccm_widgets/workbooks/``,
  ``ccm_widgets/demo/`` (``setup.py`` maps them there from the repository's folders) and
  ``ccm_widgets/templates/``.
- A source checkout (an editable install, ``make setup``) keeps the workbooks and the demo at
  the top of the repository, ``workbooks/`` and ``data/demo/``, where the project's layout
  wants them, and nothing is copied into the package.

The wheel's layout is looked for first: a checkout never has ``ccm_widgets/workbooks/``.
"""

from __future__ import annotations

from pathlib import Path

#: The ``ccm_widgets`` package folder (in site-packages, or in the checkout).
PACKAGE = Path(__file__).resolve().parent


def _shipped(inside: str, checkout: str) -> Path:
    """``PACKAGE / inside`` in an installed wheel, else the checkout's own folder."""
    packaged = PACKAGE / inside
    return packaged if packaged.is_dir() else PACKAGE.parent / checkout


#: The workbooks Voilà serves (``animateur.ipynb``, ``groupe.ipynb``…).
WORKBOOKS = _shipped("workbooks", "workbooks")
#: The fictitious demo meeting ``ccm demo`` and ``ccm serve`` load (``reunion.toml``…).
DEMO = _shipped("demo", "data/demo")
#: A Jupyter data folder holding ``voila/templates/ccm``, the page template: ``ccm serve``
#: puts it first on ``JUPYTER_PATH``. For plain ``voila --template=ccm`` the environment's
#: ``share/jupyter`` has it too (a wheel's data files; ``make setup`` links them).
TEMPLATE_ROOT = PACKAGE / "templates"
