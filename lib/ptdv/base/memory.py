"""How ptdv's processes allocate memory: Arrow's allocator, and the cyclic garbage collector.

Both were measured on a generated national table of 135,000 grassroots unions
(`bench/national.py`), where cleaning builds a few million cells and figures:

- **Arrow's allocator.** pyarrow's default allocator (mimalloc) reserves its memory in 1 GiB
  arenas marked for transparent huge pages. The tidy tables are built and freed column by
  column, so the kernel kept zeroing fresh 2 MiB pages: `perf` put 19% of cleaning's samples in
  the kernel's `clear_page_erms`, under `do_huge_pmd_anonymous_page`. With the C library's
  malloc (`ARROW_DEFAULT_MEMORY_POOL=system`) the system time fell from about 3 s to about 1 s.
  `prefer_system_allocator` sets it for the `ptdv` command and every kernel and worker it
  starts (they inherit its environment), unless the user has set the variable.
- **The garbage collector.** Reading a table makes hundreds of thousands of row objects that
  live until the step ends, and the collector kept scanning them (10% of the samples in
  `gc_collect_main` and its visitors). None of them is in a reference cycle that needs
  collecting during the step, so `gc_paused` holds the collector for the length of a step; the
  first collection after it frees whatever cycles were left.
- **Exiting.** When a process ends, the interpreter clears every module and runs the
  collector over whatever is left: every object of pandas, pyarrow and nbformat's JSON
  schemas. `ptdv progress` spent 0.4-0.6 s of its 6-8 s there, after its last word, and
  a bare `import nbformat, pandas, papermill` takes 0.44 s to exit. `freeze_at_exit` has
  the collector skip them (0.03 s).
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
from collections.abc import Iterator

#: the variable Arrow reads, once, when it first allocates: jemalloc, mimalloc or system
ARROW_POOL_ENV = "ARROW_DEFAULT_MEMORY_POOL"


def prefer_system_allocator() -> None:
    """Have Arrow use the C library's malloc here and in the processes started from here.

    A value the user has given ARROW_DEFAULT_MEMORY_POOL is kept. The current process is only
    affected if Arrow has not allocated yet; kernels and workers started later always are.
    """
    os.environ.setdefault(ARROW_POOL_ENV, "system")


@contextlib.contextmanager
def gc_paused(collect_young: bool = False) -> Iterator[None]:
    """Hold the cyclic garbage collector for a block (or a function, as a decorator).

    The collector is enabled again afterwards, error or not, if it was enabled before. With
    `collect_young`, it then makes one pass over its youngest generation: everything made
    while it was held is still there, so the block's garbage (reference cycles) goes at once,
    in one cheap pass. For a block that makes and drops many cycles among many live objects,
    such as WeasyPrint laying out a PDF (see `render.to_pdf`).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            if collect_young:
                gc.collect(0)


def freeze_at_exit() -> None:
    """Have the garbage collector leave this process's objects alone when it exits.

    For a process's own program only (the `ptdv` command, a report worker), never for a
    function called in a longer-lived one: `gc.freeze`, run by the atexit handlers, moves
    every object to the permanent generation, which the collector never scans. The
    interpreter then clears its modules as usual; objects go by reference counting, and
    reference cycles are left to the operating system with the rest of the process's memory
    (their `__del__` does not run). Nothing is lost by it: ptdv closes its files before it
    returns (context managers, write-then-rename), joins its threads and stops its kernels
    and workers, and the interpreter flushes stdout and stderr at exit whatever the collector
    does.
    """
    atexit.register(gc.freeze)
