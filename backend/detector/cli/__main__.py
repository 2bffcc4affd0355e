"""python -m detector.cli: the same as the `detector` command."""

import sys

from . import main

if __name__ == "__main__":  # scan's worker processes import this module again under another name
    sys.exit(main())
