"""What a facilitator's page needs to say it is cut off, in its Voilà page configuration."""

from __future__ import annotations

from ccm_widgets.server.page_state import page_config


def test_the_page_configuration_carries_the_banners_sentences() -> None:
    config = page_config({"kernelId": "k"}, "/user/anna/")
    assert config["kernelId"] == "k"
    assert config["ccm"]["stateUrl"] == "/user/anna/voila/ccm/etat/"
    assert "Connexion perdue" in config["ccm"]["messages"]["offline"]


def test_the_page_configuration_leaves_out_what_no_page_uses() -> None:
    config = page_config(
        {
            "disabledExtensions": ["@voila-dashboards/jupyterlab-preview"],
            "federated_extensions": [{"name": "jupyterlab_pygments"}, {"name": "ipydatagrid"}],
        },
        "/",
    )
    assert [e["name"] for e in config["federated_extensions"]] == ["ipydatagrid"]
    assert "@jupyterlab/mathjax-extension" in config["disabledExtensions"]
    assert "@voila-dashboards/jupyterlab-preview" in config["disabledExtensions"]
