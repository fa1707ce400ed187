"""Kernels whose tab is gone are shut down after a grace period, and only those."""

from __future__ import annotations

from ccm_widgets.kernel_reaper import KernelReaper


def test_kernel_without_tab_is_due_after_grace() -> None:
    reaper = KernelReaper(grace=60)
    assert reaper.due({"a": 1}, now=0) == []
    assert reaper.due({"a": 0}, now=10) == []
    assert reaper.due({"a": 0}, now=69) == []
    assert reaper.due({"a": 0}, now=70) == ["a"]


def test_reconnecting_within_grace_keeps_the_kernel() -> None:
    reaper = KernelReaper(grace=60)
    reaper.due({"a": 1}, now=0)
    reaper.due({"a": 0}, now=10)
    reaper.due({"a": 1}, now=30)  # the phone woke up
    assert reaper.due({"a": 0}, now=80) == []
    assert reaper.due({"a": 0}, now=140) == ["a"]


def test_kernel_never_connected_gets_the_longer_startup_grace() -> None:
    """A kernel still starting has had no tab yet; one whose tab never came goes later."""
    reaper = KernelReaper(grace=1, startup_grace=120)
    assert reaper.due({"k": 0}, now=0) == []
    assert reaper.due({"k": 0}, now=119) == []
    assert reaper.due({"k": 0}, now=120) == ["k"]


def test_forgets_kernels_that_are_gone() -> None:
    reaper = KernelReaper(grace=5)
    reaper.due({"a": 1}, now=0)
    reaper.due({"a": 0}, now=1)
    assert reaper.due({}, now=100) == []
    assert reaper.due({"a": 0}, now=101) == []  # counted afresh, as a kernel never connected
