"""``python -m dockernet_nb.classroom ...`` is ``dockernet-nb classroom ...``."""

import sys

from dockernet_nb.classroom.command import main

sys.exit(main(["classroom", *sys.argv[1:]]))
