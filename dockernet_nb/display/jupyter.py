"""Where the code runs: inside a Jupyter kernel or not, and matplotlib set up for either."""

from __future__ import annotations

__all__ = ["in_notebook", "pyplot"]


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where widgets and inline figures show)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"


def pyplot():
    """matplotlib.pyplot, on the Agg backend outside a notebook (no screen is needed)."""
    import matplotlib

    if matplotlib.get_backend().lower() in ("", "agg") and not in_notebook():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
