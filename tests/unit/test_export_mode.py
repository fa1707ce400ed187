"""An exported file is the user's to share: it gets the mode their umask gives any file they
create (0644 under the usual 022), not the 0600 of the temporary file it is written through."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from ccm_widgets.files.exporting import export_meeting, write_atomic, write_new
from ccm_widgets.store import Store


@pytest.fixture
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)],
                         indirect=["umask"])  # fmt: skip
def test_exported_files_get_the_users_umask(
    demo_store: Store, tmp_path: Path, umask: int, mode: int
) -> None:
    made = [
        write_new(tmp_path / "exports", "a.html", b"x"),
        write_atomic(tmp_path / "out" / "b.html", b"y"),
        export_meeting(demo_store, "csv", directory=tmp_path / "exports"),
        export_meeting(demo_store, "html", "report", output=tmp_path / "rapport.html"),
    ]
    assert {oct(stat.S_IMODE(path.stat().st_mode)) for path in made} == {oct(mode)}
