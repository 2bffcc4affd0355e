"""The Colab notebook is valid and only uses scripts, flags and files that exist."""

from __future__ import annotations

import importlib
import re
import shlex

import nbformat
import pytest
from training.common import ROOT

NOTEBOOK = ROOT / "scripts" / "train_colab.ipynb"


def notebook():
    """The parsed notebook."""
    return nbformat.read(NOTEBOOK, as_version=4)


def script_calls():
    """(script name, arguments) for every `!python scripts/NAME.py ...` line."""
    calls = []
    for cell in notebook().cells:
        if cell.cell_type != "code":
            continue
        for line in cell.source.splitlines():
            match = re.match(r"!python scripts/(\w+)\.py(.*)", line.strip())
            if match:
                calls.append((match.group(1), shlex.split(match.group(2))))
    return calls


def test_notebook_is_valid():
    nbformat.validate(notebook())
    assert notebook().metadata["accelerator"] == "GPU"


def test_notebook_runs_the_whole_pipeline():
    # Training runs in two stages, as `make train` does: CIFAKE alone, then a head for modern pictures.
    assert [name for name, _ in script_calls()] == ["dataset", "train", "train", "evaluate", "export_tflite", "predict"]


def make_recipe(target: str) -> list[str]:
    """The arguments `make TARGET` gives scripts/train.py, with the Makefile's variables filled in."""
    makefile = (ROOT / "Makefile").read_text()
    epochs = re.search(r"^EPOCHS \?= (\d+)$", makefile, re.MULTILINE).group(1)
    recipe = re.search(rf"^{re.escape(target)}:.*\n(?:\t\$\(MAKE\).*\n)?\t((?:.*\\\n)*.*)", makefile, re.MULTILINE)
    command = recipe.group(1).replace("\\\n", " ").replace("$(EPOCHS)", epochs).replace("$@", target)
    return shlex.split(command)[2:]


def test_notebook_trains_as_make_train_does():
    stages = [args for name, args in script_calls() if name == "train"]
    assert stages == [make_recipe("runs/cifake-only.h5"), make_recipe("train")]


@pytest.mark.parametrize("name,args", script_calls(), ids=[name for name, _ in script_calls()])
def test_every_script_and_flag_exists(name, args):
    assert (ROOT / "scripts" / f"{name}.py").is_file()
    module = importlib.import_module(name)
    module.parse_args(args)  # argparse exits on an unknown flag


def test_files_the_notebook_reads_exist():
    source = "\n".join(cell.source for cell in notebook().cells)
    for path in ("backend/requirements.txt", "backend/pyproject.toml"):
        assert path.split("/")[0] in source and (ROOT / path).is_file()
    assert "-e ./backend" in source
