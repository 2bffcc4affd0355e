"""MkDocs hook: the plots, screenshots and measurements in performance/ are published under performance/.

Pages show the very files that evaluation, the benchmarks and the end-to-end tests write, not copies
that could fall behind them.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.structure.files import File

PERFORMANCE = Path(__file__).resolve().parents[2] / "performance"
PUBLISHED = ("*.png", "*.json", "*.csv")


def on_config(config):
    """Rebuild the preview when a measurement or plot changes."""
    config.watch.append(str(PERFORMANCE))
    return config


def on_files(files, config):
    """Add every plot and measurement file of performance/ to the site."""
    for pattern in PUBLISHED:
        for path in sorted(PERFORMANCE.glob(pattern)):
            files.append(File.generated(config, f"performance/{path.name}", abs_src_path=str(path)))
    return files
