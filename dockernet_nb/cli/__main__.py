"""``python -m dockernet_nb.cli``: the same as the `dockernet-nb` command."""

import sys

from dockernet_nb.cli import main

sys.exit(main())
