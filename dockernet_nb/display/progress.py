"""Progress for long calls: a progress bar in a notebook, plain lines in a terminal."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable

from dockernet_nb.display.jupyter import in_jupyter_session
from dockernet_nb.nesting import nested

__all__ = ["progress_reporter", "shows_progress", "print_report"]


def print_report(message: str, fraction: float | None) -> None:
    """The terminal's progress: one line per step, with the share done when it is known."""
    done = "" if fraction is None else f"[{fraction * 100:3.0f}%] "
    print(f"{done}{message}", flush=True)


def progress_reporter(title: str) -> Callable[[str, float | None], None]:
    """A ``report(message, fraction)`` callable; the bar appears on the first report, not before."""
    if not in_jupyter_session():
        return print_report
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


def _progress_panel(message: str):
    import ipywidgets

    class Progress(ipywidgets.VBox):
        # Where widgets do not render (a notebook viewed on GitHub, nbval), show nothing rather than
        # a widget's repr: the bar only matters while the call runs.
        def __repr__(self) -> str:
            return ""

    bar = ipywidgets.FloatProgress(value=0.0, min=0.0, max=1.0, bar_style="info")
    return Progress([ipywidgets.Label(value=message), bar]), bar


def shows_progress(describe: Callable[..., tuple[str, float]]):
    """Show a progress bar in a notebook while the decorated call runs.

    ``describe(*args, **kwargs)`` returns (message, expected seconds); the bar moves with the time
    spent against that estimate (capped at 95 % until the call returns) and disappears when it is done.
    Only a learner watching in JupyterLab sees it (see :func:`~dockernet_nb.display.jupyter.in_jupyter_session`):
    a notebook run headless (nbval, the recorder) shows none, so stored notebooks never hold a stale bar.
    Only the outermost verb of a call shows one.
    """

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            # A verb inside another verb stays quiet: replaying the outer one would not show it.
            if nested() or not in_jupyter_session():
                return fn(*args, **kwargs)
            from IPython.display import display

            message, expected = describe(*args, **kwargs)
            panel, bar = _progress_panel(message)
            display(panel)
            done = threading.Event()
            started = time.monotonic()

            def advance() -> None:
                while not done.wait(0.25):
                    bar.value = min(0.95, (time.monotonic() - started) / max(expected, 0.5))

            threading.Thread(target=advance, daemon=True).start()
            try:
                return fn(*args, **kwargs)
            finally:
                done.set()
                panel.close()

        return wrapper

    return decorate
