"""The Jupyter kernel a ptdv process runs its notebooks in, and the client kept connected to it.

A command or worker starts ONE kernel and executes its notebooks one after another in it.
This module imports nothing heavy (jupyter_client comes when a kernel starts): `ptdv clean`
and `ptdv progress` launch their kernel before loading the plan's card (pydantic) and the
pipeline, so that it boots on the other core meanwhile (see `kernel_started`).
"""

from __future__ import annotations

import functools
import shutil
import time
from typing import Any

from ptdv.base import paths
from ptdv.base.atomic import work_dir

WORKER: dict[str, Any] = {}


@functools.cache
def _kept_client_manager() -> type:
    """Return a kernel manager class whose clients are one client, kept ready between notebooks.

    nbclient asks the kernel manager for a new client for every notebook, and waiting for a
    new client to be ready costs 0.2 s or more (jupyter_client drains the kernel's output
    channel until it has been quiet that long). The kernel is ours and runs one notebook at
    a time, so every notebook can use the client that is already connected: its channels
    stay open, and nbclient matches each output to the cell that asked for it.

    The first wait is jupyter_client's handshake without its 0.2 s of silence at the end
    (see `_handshake`).

    The client starts no heartbeat channel: whether the kernel is alive is asked of its
    manager (the process), as jupyter_client does for a client its manager made, never of
    the heartbeat. Its thread only pinged, and a client stopped as soon as it was started
    (a command refused right after launching its kernel) left that thread to make its
    socket in a context already closed: "ZMQError: Too many open files" in a thread.
    """
    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.manager import AsyncKernelManager

    class KeptClient(AsyncKernelClient):
        ready = False

        def start_channels(self, *args: Any, **kwargs: Any) -> None:
            if not self.channels_running:
                super().start_channels(*args, **{**kwargs, "hb": False})

        def stop_channels(self) -> None:
            self.ready = False
            super().stop_channels()

        async def wait_for_ready(self, timeout: float | None = None) -> None:
            if not (self.ready and self.channels_running):
                await _handshake(self, timeout)
                self.ready = True

    class KeptClientKernelManager(AsyncKernelManager):
        kept: KeptClient | None = None

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.client_factory = KeptClient

        def client(self, **kwargs: Any) -> KeptClient:
            if self.kept is None or not self.kept.channels_running:
                self.kept = super().client(**kwargs)
            return self.kept

        async def _async_wait(self, pollinterval: float = 0.1) -> None:
            # jupyter_client asks whether a killed kernel's process is gone every 0.1 s: each
            # command ended waiting up to 0.2 s for it (a kernel that held a national table's
            # frames takes longer to free them). Ask every few milliseconds.
            await super()._async_wait(pollinterval=min(pollinterval, _EXIT_POLL))

    return KeptClientKernelManager


#: How often (s) a stopped kernel's process is asked whether it has gone.
_EXIT_POLL = 0.005


#: How long a handshake waits for the kernel's output channel, first, and at most (s): it
#: waits twice as long on each try.
_IOPUB_WAIT = (0.05, 1.0)


async def _handshake(kc: Any, timeout: float | None) -> None:  # noqa: ANN401
    """Wait until the kernel answers kernel_info and its output channel is connected.

    What jupyter_client's `wait_for_ready` checks, and in the same way: ask kernel_info
    (again each second until answered), then see a message on the output channel, which
    proves it connected. jupyter_client then reads that channel until it has been silent for
    0.2 s, to drop whatever the kernel said before. Here the wait ends at the kernel's `idle`
    status for the kernel_info request answered: the kernel sends it after everything else it
    said about that request and before, in order, on that channel, so nothing stale is left
    behind it, and no silence is waited for. (nbclient only reads messages whose parent is its
    own request anyway.)
    """
    from queue import Empty

    deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
    asked: set[str] = set()
    wait, longest = _IOPUB_WAIT
    while True:
        asked.add(kc.kernel_info())
        try:
            reply = await kc.shell_channel.get_msg(timeout=1)
        except Empty:
            reply = None
        if reply is not None and reply["msg_type"] == "kernel_info_reply":
            request = reply["parent_header"].get("msg_id")
            if request in asked and await _idle_seen(kc, request, wait):
                kc._handle_kernel_info_reply(reply)
                return
            wait = min(2 * wait, longest)
        if not await kc._async_is_alive():
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")


async def _idle_seen(kc: Any, request: str, wait: float) -> bool:  # noqa: ANN401
    """Read the output channel up to the kernel's idle status for `request`.

    False if the channel stays silent for `wait` seconds first (not connected yet: the
    kernel's messages were published before it was, and are lost).
    """
    from queue import Empty

    while True:
        try:
            msg = await kc.iopub_channel.get_msg(timeout=wait)
        except Empty:
            return False
        if (
            msg["msg_type"] == "status"
            and msg["parent_header"].get("msg_id") == request
            and msg["content"].get("execution_state") == "idle"
        ):
            return True


#: Options of a ptdv kernel's IPython. No history database: IPython keeps every cell it runs
#: in the user's `~/.ipython` (a scheduled job's notebooks, run after run, into a file it
#: never reads), and opening it took 0.03-0.05 s of the kernel's start.
KERNEL_ARGUMENTS = ["--HistoryManager.enabled=False"]


def worker_kernel() -> Any:
    """Return this worker's kernel manager, starting the kernel on first use (or after a crash).

    Every call in a thread runs on that thread's one event loop (jupyter_core's `run_sync`,
    which nbclient uses too), so that the kept client's sockets always serve the same loop.
    """
    import logging

    from jupyter_core.utils import run_sync

    logging.getLogger("traitlets").addFilter(_QuietClientGC)

    km = WORKER.get("km")
    if km is not None and run_sync(km.is_alive)():
        return km
    socket_dir = work_dir("kernel")
    km = _kept_client_manager()(kernel_name="python3", kernel_spec_manager=_own_kernelspecs())
    km.transport = "ipc"
    km.ip = str(socket_dir / "kernel")
    log = open(socket_dir / "kernel.log", "ab")  # noqa: SIM115 - lives with the kernel
    run_sync(km.start_kernel)(cwd=str(paths.root()), stderr=log, extra_arguments=KERNEL_ARGUMENTS)
    WORKER.update(km=km, socket_dir=socket_dir)
    if "finalizer" not in WORKER:
        from multiprocessing import util

        WORKER["finalizer"] = util.Finalize(None, stop_kernel, exitpriority=10)
    return km


def _own_kernelspecs() -> Any:  # noqa: ANN401
    """Return a kernelspec manager that looks in this environment's kernels folder only.

    A ptdv kernel must be this environment's Python, which has ptdv installed: its
    `python3` kernelspec (or, if there is none, ipykernel's own, which names
    `sys.executable`). Not looking through the user's and the system's folders also spares
    importing IPython to find the user's (0.035 s before the kernel can start).
    """
    import sys
    from pathlib import Path

    from jupyter_client.kernelspec import KernelSpecManager

    return KernelSpecManager(kernel_dirs=[str(Path(sys.prefix) / "share" / "jupyter" / "kernels")])


def stop_kernel() -> None:
    """Shut this process's kernel down (if it has one) and remove its sockets' folder."""
    from jupyter_core.utils import run_sync

    km = WORKER.pop("km", None)
    if km is not None:
        try:
            if km.kept is not None:
                km.kept.stop_channels()
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - best effort at exit
            pass
    shutil.rmtree(WORKER.pop("socket_dir", ""), ignore_errors=True)


class _QuietClientGC:
    """Drop jupyter_client's notice that a garbage-collected client's channels were open.

    A kernel's kept client (see _kept_client_manager) is closed with its kernel; but when a
    kernel dies and is replaced, its client goes to the garbage collector with its channels
    open, which says so as a warning.
    """

    @staticmethod
    def filter(record: Any) -> bool:
        return not str(record.msg).startswith("Could not destroy zmq context")


#: What the step notebooks import in their first cell. A step's kernel is asked to import it
#: as soon as it is launched: it boots on the other core while this process loads papermill
#: and hashes the inputs, then would wait idle for the first cell (see `RunKernel.km`).
STEP_IMPORTS = {
    "clean": "import pandas, ptdv.plan.config, ptdv.tables.clean",
    "progress": "import pandas, ptdv.plan.config, ptdv.plan.periods, ptdv.progress",
    "report": "import ptdv.report.charts, ptdv.report.pieces",
}


class RunKernel:
    """The Jupyter kernel of this process, started on first use, stopped at the run's end."""

    def km(self, step: str | None = None) -> Any:  # noqa: ANN401
        """Return the kernel manager; with `step`, have the kernel import what it needs.

        The import is sent without waiting for it: the kernel runs it before the step's
        first cell, which then finds its modules loaded. It is part of no notebook (the
        notebook imports them too, then at no cost); a failure is the first cell's to report.
        """
        km = worker_kernel()
        if step is not None:
            _run_silently(km, STEP_IMPORTS[step])
        return km

    def stop(self) -> None:
        stop_kernel()


def kernel_started(step: str | None = None) -> RunKernel:
    """Return this process's kernel, launched now; stop it with `.stop()`.

    For a command that will run a notebook whatever happens (`ptdv clean`, `ptdv
    progress`): the kernel's process boots on the other core while this one imports
    papermill, reads the plan and hashes its inputs, instead of after them, and imports
    what `step`'s notebook needs (see `RunKernel.km`).
    """
    kernel = RunKernel()
    kernel.km(step)
    return kernel


#: What a step's kernel runs after the step's notebook (see `forget`).
_FORGET = "get_ipython().reset(new_session=False)"


def forget(km: Any) -> None:  # noqa: ANN401
    """Have a run's kernel drop what its last notebook left in its namespace (best effort).

    The steps of a run share one kernel. The next notebook then starts with an empty
    namespace, as it would alone (nothing of the previous one can slip into its record), and
    what the previous one held is freed: a national table's cleaned frames were still held
    while its progress was computed (1.85 GiB at the peak of `ptdv progress --clean`, against
    1.57 GiB for `ptdv clean`). Imported modules stay. Sent without waiting, like the imports
    ahead: the next notebook's requests queue behind it.
    """
    if getattr(km, "kept", None) is not None:  # a run's kernel, not one made for a notebook
        _run_silently(km, _FORGET)


class KernelRaised(RuntimeError):
    """What code run in a kernel by `run_and_wait` raised there: its name and message."""


def run_and_wait(km: Any, code: str, timeout: float = 600.0) -> None:  # noqa: ANN401
    """Run `code` silently in the kernel and wait until it is done; raise if it failed.

    Through the kept client, like `_run_silently`, but waiting for the reply to it. What the
    code raised comes back as a KernelRaised ("ZeroDivisionError: division by zero"); a
    kernel that died, or did not answer within `timeout` seconds, as a RuntimeError.
    """
    from queue import Empty

    from jupyter_core.utils import run_sync

    async def ask() -> dict:
        kc = km.client()
        kc.start_channels()
        request = kc.execute(code, silent=True, store_history=False, allow_stdin=False)
        deadline = time.monotonic() + timeout
        while True:
            try:
                reply = await kc.get_shell_msg(timeout=min(1.0, timeout))
            except Empty:
                if not await km.is_alive():
                    raise RuntimeError("the kernel died") from None
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the kernel did not answer in {timeout:.0f} s") from None
                continue
            if reply["parent_header"].get("msg_id") == request:
                return reply["content"]

    content = run_sync(ask)()
    if content["status"] != "ok":
        raise KernelRaised(f"{content.get('ename')}: {content.get('evalue')}")


def _run_silently(km: Any, code: str) -> None:  # noqa: ANN401
    """Send `code` to the kernel to run silently, without waiting for it (best effort).

    It goes through the kept client (see `_kept_client_manager`), which the step's notebook
    then uses: its kernel_info waits behind the code, and nbclient reads only the replies
    to its own requests.
    """
    from jupyter_core.utils import run_sync

    async def send() -> None:
        kc = km.client()
        kc.start_channels()
        kc.execute(code, silent=True, store_history=False, allow_stdin=False)

    try:
        run_sync(send)()
    except Exception:  # noqa: BLE001, S110 - the notebook imports them itself, if need be
        pass
