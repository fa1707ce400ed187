"""Kernels whose tab is gone are shut down after a grace period, and only those."""

from __future__ import annotations

from ccm_widgets.server.reaper import KernelReaper


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


def test_a_tab_closed_between_two_sweeps_has_still_had_its_kernel() -> None:
    """The server tells the reaper of each connection: a tab open for less than a sweep's
    interval must not leave its kernel for the start-up grace (minutes)."""
    reaper = KernelReaper(grace=3, startup_grace=300)
    reaper.due({"k": 0}, now=0)  # started for a page
    reaper.connected("k")  # the page connected, and was closed before the next sweep
    assert reaper.due({"k": 0}, now=2) == []
    assert reaper.due({"k": 0}, now=4.9) == []  # the grace counts from the first sweep after
    assert reaper.due({"k": 0}, now=5) == ["k"]


def test_a_page_still_loading_keeps_its_kernel() -> None:
    """Ten tabs loading at once can take longer than the start grace to open their kernels'
    websockets; each asks every second whether its kernel lives, and keeps it meanwhile."""
    reaper = KernelReaper(grace=120, startup_grace=30)
    assert reaper.due({"k": 0}, now=0) == []
    for second in range(1, 90):
        reaper.page_alive("k")  # the page's script, still loading Voilà's JavaScript
        assert reaper.due({"k": 0}, now=second) == []
    # The page went away before connecting (last asked at 89 s): its kernel goes a start
    # grace later.
    assert reaper.due({"k": 0}, now=118) == []
    assert reaper.due({"k": 0}, now=119) == ["k"]


def test_a_connected_page_asking_does_not_stretch_the_grace() -> None:
    reaper = KernelReaper(grace=60, startup_grace=30)
    reaper.connected("k")
    reaper.due({"k": 0}, now=0)
    reaper.page_alive("k")  # a tab with no websocket is gone, whatever else asks
    assert reaper.due({"k": 0}, now=60) == ["k"]
