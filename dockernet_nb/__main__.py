"""``python -m dockernet_nb ...``: the `dockernet-nb` command, for when its script is not on PATH (Windows)."""

import sys

from dockernet_nb.cli import main

sys.exit(main())
