"""pytest settings for the whole repository: checking the lesson notebooks with nbval.

nbval runs all cells of a notebook in one kernel, in order, so under pytest-xdist every cell of a
notebook must go to the same worker. xdist's default ``--dist load`` spreads single cells over the
workers; this hook makes ``pytest -n 4 --nbval notebooks/`` hand out whole files instead, as
``--dist loadfile`` would. Any other ``--dist`` asked for explicitly is left alone.
"""

from __future__ import annotations

import os
import tempfile


def pytest_configure(config):
    # Exercise checks write the learner's progress file; a test run (and every kernel it starts) writes
    # a scratch one instead of the real one in the home folder.
    if "DOCKERNET_NB_DATA" not in os.environ:
        os.environ["DOCKERNET_NB_DATA"] = tempfile.mkdtemp(prefix="dockernet-nb-test-data-")


def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadFileScheduling

    return LoadFileScheduling(config, log)
