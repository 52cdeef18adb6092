"""Whether a verb runs inside another verb: only the outermost one is recorded, replayed or shows progress.

It lives apart from :mod:`dockernet_nb.replay` so that the display layer (progress bars) can ask it
without importing the recording machinery above it.
"""

from __future__ import annotations

import threading

__all__ = ["nested", "verb_depth"]

_depth = threading.local()  # per thread: verbs called from a helper thread count for themselves


def verb_depth() -> threading.local:
    """The calling thread's verb depth (its ``n``: 0 outside any verb, 1 inside one)."""
    return _depth


def nested() -> bool:
    """True inside a verb called by another verb."""
    return bool(getattr(_depth, "n", 0))
