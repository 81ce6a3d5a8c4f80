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
