"""`dockernet-nb classroom ...`: a JupyterHub with an engine of its own for every learner (see dockernet_nb.classroom)."""

from __future__ import annotations

from dockernet_nb.classroom.command import add, run

__all__ = ["add", "run"]
