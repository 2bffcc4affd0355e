"""Build the native-resolution data set from the public repositories in dataset/sources.csv.

See scripts/sources/build.py for what it writes; `make dataset` runs it.
"""

from __future__ import annotations

from sources.build import main
from training.common import run_main

if __name__ == "__main__":
    run_main(main)
