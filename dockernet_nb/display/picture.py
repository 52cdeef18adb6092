"""A picture a verb drew from the engine's answers, with the docker commands those answers came from."""

from __future__ import annotations

import base64
import dataclasses
import html
from typing import Any

from dockernet_nb.display.topology import figure_png
from dockernet_nb.records import DockerCommand, command_lines, commands_html

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
        return self._html(self._repr_png_())

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        # Both forms from one rendering: drawing the figure is most of the time a picture takes to show.
        png = self._repr_png_()
        return {"image/png": png, "text/html": self._html(png)}

    def _html(self, png: bytes) -> str:
        image = base64.b64encode(png).decode("ascii")
        return commands_html(self.docker) + f'<img alt="{html.escape(self.text or repr(self.figure))}" src="data:image/png;base64,{image}"/>'

    def savefig(self, *args: Any, **kwargs: Any) -> None:
        """Save the picture like a matplotlib Figure (``picture.savefig("topology.png")``)."""
        self.figure.savefig(*args, **kwargs)
