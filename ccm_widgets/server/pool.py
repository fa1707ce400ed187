"""Voilà's pool of preheated kernels, as the warm room drives it.

Written against Voilà 0.5.13 (``voila/voila_kernel_manager.py``; ``pyproject.toml`` pins
Voilà < 0.6). Its ``VoilaKernelManager`` keeps, per notebook, a list of tasks in ``_pools``:
each starts a kernel and runs the notebook in it, and its result is
``{"task", "renderer", "kernel_id"}``. A page request takes ``_pools[name].pop(0)``; the
pool is refilled by ``fill_if_needed``, which starts at once as many kernels as
``kernel_pools_config[name]["pool_size"]`` lacks.

The warm room decides the pool's size kernel by kernel, so here:

- :func:`own` sets the notebook's configured size to nought: Voilà's own refills (after a
  page took a kernel, or when the reaper replaced a dead one) start nothing; the room does;
- :func:`start_one` starts exactly one kernel, through Voilà's ``fill_if_needed`` (its
  environment and its render task, as Voilà makes them);
- :func:`hand_first` puts a given kernel at the head of the pool, where the next page
  request takes it;
- :func:`retire` takes a waiting kernel out of the pool and shuts it down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


def has_pools(kernel_manager: Any) -> bool:
    """Whether ``kernel_manager`` is Voilà's preheating one (not Voilà in a Jupyter server)."""
    return all(
        hasattr(kernel_manager, name)
        for name in ("_pools", "fill_if_needed", "kernel_pools_config", "get_rendered_notebook")
    )


def items(kernel_manager: Any, notebook: str) -> list[tuple[Any, str]]:
    """The pool of ``notebook``, in the order Voilà hands it out: each task with its
    kernel's id ("" while the kernel starts, or if it failed to)."""
    found = []
    for item in getattr(kernel_manager, "_pools", {}).get(notebook, []):
        kernel_id = ""
        if item.done() and not item.cancelled() and item.exception() is None:
            kernel_id = str(item.result().get("kernel_id", ""))
        found.append((item, kernel_id))
    return found


def own(kernel_manager: Any, notebook: str) -> None:
    """From now on, only :func:`start_one` adds kernels to ``notebook``'s pool."""
    config = dict(kernel_manager.kernel_pools_config)
    config[notebook] = {**config.get(notebook, {}), "pool_size": 0}
    kernel_manager.kernel_pools_config = config


def start_one(kernel_manager: Any, notebook: str, fill: Callable[..., None]) -> Any:
    """Start one kernel for ``notebook``'s pool with Voilà's ``fill`` (its
    ``fill_if_needed``, unwrapped); returns the new pool task."""
    pool = kernel_manager._pools.setdefault(notebook, [])
    config = dict(kernel_manager.kernel_pools_config)
    entry = config.get(notebook, {})
    kernel_manager.kernel_pools_config = {**config, notebook: {**entry, "pool_size": len(pool) + 1}}
    try:
        fill(delay=0, notebook_name=notebook)
    finally:
        kernel_manager.kernel_pools_config = config
    return kernel_manager._pools[notebook][-1]


def hand_first(kernel_manager: Any, notebook: str, kernel_id: str) -> bool:
    """Put the pool task of ``kernel_id`` first: the next page request takes it."""
    pool = kernel_manager._pools.get(notebook, [])
    for index, (_item, found) in enumerate(items(kernel_manager, notebook)):
        if found == kernel_id:
            pool.insert(0, pool.pop(index))
            return True
    return False


def retire(kernel_manager: Any, notebook: str, kernel_id: str) -> bool:
    """Take ``kernel_id`` out of ``notebook``'s pool (no page can be handed it any more),
    then shut it down in the background. False if it was not waiting there."""
    pool = kernel_manager._pools.get(notebook, [])
    for item, found in items(kernel_manager, notebook):
        if found == kernel_id:
            pool.remove(item)
            task = asyncio.ensure_future(kernel_manager.shutdown_kernel(kernel_id))
            task.add_done_callback(_log_failure)
            return True
    return False


def _log_failure(task: asyncio.Future[Any]) -> None:
    with contextlib.suppress(asyncio.CancelledError):
        if task.exception() is not None:
            log.warning("arrêt d'un noyau de la réserve impossible : %s", task.exception())
