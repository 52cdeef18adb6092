"""A picture a verb drew from the engine's answers, with the docker commands those answers came from."""

from __future__ import annotations

import base64
import dataclasses
import html
from typing import Any

from dockernet_nb.display.topology import figure_png
from dockernet_nb.records import DockerCommand, command_lines

__all__ = ["Picture"]


@dataclasses.dataclass(frozen=True, repr=False)
class Picture:
    """A matplotlib figure shown under the ``$ docker ...`` commands behind it; ``.figure`` is the Figure.

    ``text`` says in words what the picture shows (its text form and the image's alt text).
    """

    figure: Any
    docker: tuple[DockerCommand, ...] = ()
    text: str = ""

    def __repr__(self) -> str:
        return "\n".join([*command_lines(self.docker), *([self.text] if self.text else []), repr(self.figure)])

    def _repr_png_(self) -> bytes:
        return figure_png(self.figure)

    def _repr_html_(self) -> str:
        from dockernet_nb.records import commands_html

        image = base64.b64encode(self._repr_png_()).decode("ascii")
        return commands_html(self.docker) + f'<img alt="{html.escape(self.text or repr(self.figure))}" src="data:image/png;base64,{image}"/>'

    def savefig(self, *args: Any, **kwargs: Any) -> None:
        """Save the picture like a matplotlib Figure (``picture.savefig("topology.png")``)."""
        self.figure.savefig(*args, **kwargs)
