"""Memory settings of ptdv's processes: Arrow's allocator in kernels, the collector held."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import nbformat
import pytest

from helpers import tiny_notebook
from ptdv import cli
from ptdv.base import memory
from ptdv.report import render


def test_the_collector_is_held_for_a_block_and_enabled_again_after_an_error() -> None:
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), memory.gc_paused():
        assert not gc.isenabled()
        1 / 0  # noqa: B018
    assert gc.isenabled()


def test_a_function_holds_the_collector_each_time_it_runs() -> None:
    @memory.gc_paused()
    def during() -> bool:
        return gc.isenabled()

    assert (during(), during(), gc.isenabled()) == (False, False, True)


def test_a_collector_disabled_before_stays_disabled() -> None:
    gc.disable()
    try:
        with memory.gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_frees_the_blocks_cycles_at_once_when_asked() -> None:
    import weakref

    class Node:
        pass

    with memory.gc_paused(collect_young=True):
        node = Node()
        node.me = node  # a reference cycle: only the collector frees it
        alive = weakref.ref(node)
        del node
        assert alive() is not None  # held: nothing collected in the block
    assert alive() is None and gc.isenabled()


def test_a_users_choice_of_allocator_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(memory.ARROW_POOL_ENV, "jemalloc")
    memory.prefer_system_allocator()
    assert os.environ[memory.ARROW_POOL_ENV] == "jemalloc"
    monkeypatch.delenv(memory.ARROW_POOL_ENV)
    memory.prefer_system_allocator()
    assert os.environ[memory.ARROW_POOL_ENV] == "system"


def test_the_command_sets_the_allocator_for_what_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # any command, even one that ends in an error: the variable is set before it runs
    monkeypatch.delenv(memory.ARROW_POOL_ENV, raising=False)
    monkeypatch.setenv("PTDV_ROOT", str(tmp_path))
    assert cli.main(["progress", "--plan", "khong-co", "--period", "2026-H1"]) != 0
    assert os.environ[memory.ARROW_POOL_ENV] == "system"


def test_a_kernel_started_after_it_allocates_with_the_system_allocator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Arrow reads the variable in the kernel's own process, at its first allocation
    monkeypatch.delenv(memory.ARROW_POOL_ENV, raising=False)
    memory.prefer_system_allocator()
    monkeypatch.setenv("PTDV_ROOT", str(tmp_path))
    cell = "import pyarrow\nprint(pyarrow.default_memory_pool().backend_name)"
    tiny_notebook(tmp_path, "pool.ipynb", "plan_id", cell)
    out = render.execute_notebook("pool.ipynb", {"plan_id": "x"}, tmp_path / "out.ipynb")
    cells = nbformat.read(out, as_version=4).cells
    assert cells[-1].outputs[0]["text"] == "system\n"


def test_a_process_that_asks_freezes_its_objects_when_it_exits(tmp_path: Path) -> None:
    # gc.freeze runs among the atexit handlers: after those registered later, before those
    # registered earlier, which see every object frozen; the process's output is complete
    import subprocess
    import sys

    seen = tmp_path / "frozen.txt"
    code = (
        "import atexit, gc, sys\n"
        "from ptdv.base import memory\n"
        f"atexit.register(lambda: open({str(seen)!r}, 'w').write(str(gc.get_freeze_count())))\n"
        "memory.freeze_at_exit()\n"
        "atexit.register(lambda: print('before', gc.get_freeze_count()))\n"
        "sys.stdout.write('x' * 100_000)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("x" * 100_000) and done.stdout.endswith("before 0\n")
    assert int(seen.read_text()) > 1000  # every module's objects


def test_only_the_ptdv_program_freezes_at_exit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # cli.main() as the `ptdv` command (its own command line) asks for it; cli.main(argv),
    # called in a longer-lived process (tests, notebooks), does not
    import sys

    asked: list[int] = []
    monkeypatch.setattr(memory, "freeze_at_exit", lambda: asked.append(1))
    missing = str(tmp_path / "khong-co.xlsx")
    monkeypatch.setattr(sys, "argv", ["ptdv", "inspect", missing])
    assert cli.main() == 2 and asked == [1]
    assert cli.main(["inspect", missing]) == 2 and asked == [1]
