"""Where the code runs: inside a Jupyter kernel or not, and matplotlib set up for either."""

from __future__ import annotations

import os

__all__ = ["in_notebook", "in_jupyter_session", "pyplot", "inch_canvas"]


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where widgets and inline figures show)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"


def in_jupyter_session() -> bool:
    """True in a kernel a Jupyter server started for an open notebook (a learner watching it run).

    Jupyter Server names the session in the kernel's environment; a notebook executed headless (nbclient,
    nbval, ``dockernet-nb record``) has none. Live widgets such as progress bars only matter to someone
    watching, and stored in a notebook they are stale, so they are shown only here.
    """
    return in_notebook() and bool(os.environ.get("JPY_SESSION_NAME"))


def pyplot():
    """matplotlib.pyplot, on the Agg backend outside a notebook (no screen is needed)."""
    import matplotlib

    if matplotlib.get_backend().lower() in ("", "agg") and not in_notebook():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def inch_canvas(width: float, height: float):
    """(Figure, Axes) of a blank ``width`` x ``height`` inch picture: the axes span the figure and one data
    unit is one inch, with no axis drawn, so text and boxes are placed in inches."""
    fig = pyplot().figure(figsize=(width, height), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.axis("off")
    return fig, ax
