"""The JupyterHub deployment's authorizer: the facilitator, owner of the server, keeps the
whole Jupyter API; any other hub user let in reaches nothing of it (the groups' pages do not
go through it: they are opened by their link's key, without a kernel)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ccm_widgets.server.extension import RoomAuthorizer, server_owner


def ask(user: str, action: str, resource: str, kernel_id: str = "") -> bool:
    handler = SimpleNamespace(
        path_kwargs={"kernel_id": kernel_id} if kernel_id else {},
        request=SimpleNamespace(path=f"/user/anna/api/{resource}"),
    )
    return RoomAuthorizer().is_authorized(handler, SimpleNamespace(username=user), action, resource)


@pytest.mark.parametrize(
    ("action", "resource"),
    [("read", "contents"), ("write", "contents"), ("execute", "kernels"), ("read", "kernels"),
     ("write", "kernels"), ("read", "sessions"), ("execute", "terminals"), ("read", "files")],
)  # fmt: skip
def test_only_the_servers_owner_reaches_the_jupyter_api(
    monkeypatch: pytest.MonkeyPatch, action: str, resource: str
) -> None:
    monkeypatch.setenv("JUPYTERHUB_USER", "anna")
    assert ask("anna", action, resource)
    assert not ask("rapporteur", action, resource)
    # Not even a kernel whose id another user learnt: rapporteurs' pages hold none.
    assert not ask("rapporteur", action, resource, kernel_id="1234")


def test_without_a_hub_user_nobody_is_the_owner(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    assert server_owner() is None
    assert not ask("anna", "read", "contents")
