"""Training, evaluation and benchmark commands; see scripts/README.md.

The commands at the top run as `python scripts/NAME.py`, which puts this folder
first on sys.path, so its packages (training, sources, forensic) import each
other by their own names. The benchmarks run as modules of this package from
the repository root (`python -m scripts.benchmarks.api`): the same folder goes
on the path here, so every module is found under one name either way.
"""

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
