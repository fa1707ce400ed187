"""What pyproject.toml cannot say: the workbooks and the demo meeting inside the package.

The repository keeps them at its top, ``workbooks/`` and ``data/demo/``; an installed wheel
has them as ``ccm_widgets/workbooks/`` and ``ccm_widgets/demo/`` (``ccm_widgets.paths`` finds
either). setuptools maps a package onto any folder (``package_dir``), but pyproject.toml's
package discovery cannot be combined with such a mapping: the packages found are listed here,
with the mapped ones. Everything else is in pyproject.toml.
"""

from setuptools import find_namespace_packages, setup

#: Data-only packages of the wheel, and the repository folders they are built from.
SHIPPED_FOLDERS = {
    "ccm_widgets.workbooks": "workbooks",
    "ccm_widgets.demo": "data/demo",
    "ccm_widgets.demo.grilles": "data/demo/grilles",
}

setup(
    packages=[
        *find_namespace_packages(include=["ccm_widgets*"], exclude=["*.__pycache__"]),
        *SHIPPED_FOLDERS,
    ],
    package_dir=SHIPPED_FOLDERS,
)
