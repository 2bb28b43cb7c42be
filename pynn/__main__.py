"""``python -m pynn``: the command line (see ``pynn.cli``)."""

import sys

from pynn.cli import main

if __name__ == "__main__":
    sys.exit(main())
