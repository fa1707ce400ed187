"""The kernel each page of ``ccm serve`` runs in: ipykernel, less what no page uses.

``ccm serve`` puts its own ``python3`` kernel spec first on ``JUPYTER_PATH``
(``ccm_widgets/templates/kernels/python3/kernel.json``, found before the environment's), so
that Voilà starts every kernel with ``python -m ccm_widgets.server.ipykernel_launcher`` (named
after ipykernel's own launcher, which it replaces: ``ps``, ``pgrep ipykernel`` and the tests
find the kernels as before):

- no debugger: ipykernel imports debugpy and its pydevd whenever they are installed, for
  JupyterLab's debugger, which no page has: about 7 MB of every kernel (a group's kernel
  measured 97 MB instead of 105);
- no input history: IPython writes every executed cell to a SQLite file, from a thread of its
  own; a page's kernel runs one workbook, and never shows it;
- no warning in the facilitator's terminal about its sockets being unencrypted: they listen
  on 127.0.0.1 only (:data:`ccm_widgets.server.serve.NOISE`).

Anything else is ipykernel's own launcher, with the arguments Voilà gives it.
"""

from __future__ import annotations

import logging
import sys


def main(argv: list[str] | None = None) -> None:
    """Start ipykernel as ``python -m ipykernel_launcher`` would, lighter."""
    # ipykernel runs without its debugger when ``import debugpy`` fails.
    sys.modules["debugpy"] = None  # type: ignore[assignment]
    from ipykernel.kernelapp import IPKernelApp

    from ccm_widgets.server.serve import silence_noise

    silence_noise(logging.getLogger(IPKernelApp.__name__))

    arguments = sys.argv[1:] if argv is None else argv
    IPKernelApp.launch_instance(argv=[*arguments, "--HistoryManager.enabled=False"])


if __name__ == "__main__":
    main()
