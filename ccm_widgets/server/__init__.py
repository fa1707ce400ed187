"""Everything that touches the web server: the door, and the patches of Voilà and
jupyter_server it needs (``ccm serve`` and the JupyterHub extension share them)."""
