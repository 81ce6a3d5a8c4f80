"""The zip bomb of the zip-bomb case, given to `ptdv inspect`."""

import importlib.util
from pathlib import Path


def make(root: Path) -> None:
    script = Path(__file__).parents[1] / "zip-bomb" / "make.py"
    spec = importlib.util.spec_from_file_location("zip_bomb_make", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.make(root)
