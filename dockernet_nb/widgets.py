"""Progress for long calls: a progress bar in a notebook, plain lines in a terminal."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["progress_reporter", "in_notebook"]


def in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"


def progress_reporter(title: str) -> Callable[[str, "float | None"], None]:
    """A ``report(message, fraction)`` callable; the bar appears on the first report, not before."""
    if not in_notebook():
        from dockernet_nb.images import _print_report

        return _print_report
    import ipywidgets
    from IPython.display import display

    bar = ipywidgets.FloatProgress(value=0.0, min=0.0, max=1.0, description=title, bar_style="info")
    label = ipywidgets.Label(value="")
    shown = {"yet": False}

    def report(message: str, fraction: float | None) -> None:
        if not shown["yet"]:
            display(ipywidgets.VBox([bar, label]))
            shown["yet"] = True
        if fraction is not None:
            bar.value = max(bar.value, fraction)
            if fraction >= 1.0:
                bar.bar_style = "success"
        label.value = message

    return report
