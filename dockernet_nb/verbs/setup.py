"""`dnb.setup()`: the first cell of the course checks the engine and the images, with progress."""

from __future__ import annotations

import pandas as pd

from dockernet_nb.display.progress import progress_reporter
from dockernet_nb.engine import images
from dockernet_nb.engine.connection import answers, engine_host, engine_version, how_to_get_an_engine
from dockernet_nb.errors import EngineUnavailable
from dockernet_nb.replay import recordable

__all__ = ["setup"]


@recordable
def setup() -> pd.DataFrame:
    """Check that an engine answers and every course image exists (building what is missing).

    Returns the image table; raises :class:`EngineUnavailable` with the exact next step when no
    engine answers. Example::

        >>> dnb.setup()     # doctest: +SKIP
    """
    if not answers():
        raise EngineUnavailable(how_to_get_an_engine())
    missing = images.missing_images()
    if missing:
        images.ensure_images(report=progress_reporter("images"))
    table = images.image_table()
    table.attrs["engine"] = engine_version()
    table.attrs["ports_host"] = engine_host()
    return table
