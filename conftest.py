"""pytest settings for the whole repository: checking the lesson notebooks with nbval.

nbval runs all cells of a notebook in one kernel, in order, so under pytest-xdist every cell of a
notebook must go to the same worker. xdist's default ``--dist load`` spreads single cells over the
workers; this hook makes ``pytest -n 4 --nbval notebooks/`` hand out whole files instead, as
``--dist loadfile`` would. Any other ``--dist`` asked for explicitly is left alone.
"""

from __future__ import annotations


def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadFileScheduling

    return LoadFileScheduling(config, log)
