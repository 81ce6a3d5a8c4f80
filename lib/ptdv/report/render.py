"""Run the pipeline notebooks with papermill (later: HTML, PDF and XLSX rendering)."""

from __future__ import annotations

import base64
import json
import re
import shutil
from collections import OrderedDict
from functools import cache
from pathlib import Path
from typing import Any

from ptdv.base import paths
from ptdv.base.atomic import NoSpaceError, atomic_file, raise_if_no_space, work_dir
from ptdv.base.errors import ConfigError, DataError, PtdvError, RenderError
from ptdv.base.memory import gc_paused

#: Errors raised inside a notebook that are the user's input, not a bug: re-raised as such.
_USER_ERRORS: dict[str, type[PtdvError]] = {
    "DataError": DataError,
    "ConfigError": ConfigError,
    "NoSpaceError": NoSpaceError,  # a full disk, named by the write that found it
}
#: What a notebook that ran out of disk space leaves: no step is recorded as done.
_NOT_RECORDED = "the step is not recorded as done and runs again next time"

#: How papermill executes every notebook of ptdv (passed on to nbclient).
#: coalesce_streams: the kernel sends what a cell prints in pieces, cut wherever its 0.2 s
#: flush timer falls (a busy machine cuts `print("a:", x)` between "a:" and x). Without
#: merging, the executed notebook, the auditable record, and the HTML made from it would
#: keep one line as two outputs, differently from run to run; merged, each cell's stdout
#: and stderr are one output each, the same on any machine.
EXECUTE_OPTIONS: dict[str, Any] = {
    "coalesce_streams": True,
    "progress_bar": False,
    "log_output": False,
    # a kernel papermill started is stopped at once when its notebook is done, as ptdv stops
    # its own (every file is written by then); a graceful stop of a kernel holding a national
    # table waited 0.5 s for Python to free its millions of objects one by one
    "shutdown_kernel": "immediate",
}


def notebook_parameters(notebook: Path) -> dict[str, Any]:
    """Return the names and default values of a notebook's `parameters` cell."""
    import ast

    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cells = [
        c
        for c in nb["cells"]
        if c["cell_type"] == "code" and "parameters" in c.get("metadata", {}).get("tags", [])
    ]
    if len(cells) != 1:
        raise RenderError(f"{notebook}: expected one cell tagged 'parameters', found {len(cells)}")
    tree = ast.parse("".join(cells[0]["source"]))
    out: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name):
                    out[t.id] = ast.literal_eval(node.value)
    return out


def check_parameters(notebook: Path, parameters: dict[str, Any]) -> None:
    """Refuse parameters the notebook does not declare, before any kernel starts."""
    known = notebook_parameters(notebook)
    unknown = sorted(set(parameters) - set(known))
    if unknown:
        raise ConfigError(
            f"{notebook.name}: unknown parameter(s) {', '.join(unknown)}; "
            f"it takes: {', '.join(known)}"
        )


def _ipc_kernel_manager(socket_dir: Path) -> type:
    """Return a kernel manager class that talks to its kernel over local IPC sockets.

    Kernel and client always run on the same machine here; IPC keeps the kernel off the
    network entirely (and ipykernel's warning about unencrypted TCP out of the output).
    """
    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.transport = "ipc"
            self.ip = str(socket_dir / "kernel")

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            # the kernel's own chatter (shutdown notices) goes to a log, not the user's screen
            kw["stderr"] = open(socket_dir / "kernel.log", "ab")  # noqa: SIM115
            return await super()._async_launch_kernel(kernel_cmd, **kw)

    return IPCKernelManager


def _prefer_own_kernelspec() -> None:
    """Make the `python3` kernel the one of this environment, even if a user-level one exists.

    Jupyter looks for kernelspecs in JUPYTER_PATH first, then the user's folder, then the
    environment's; putting the environment's first runs notebooks with the Python that has
    ptdv installed.
    """
    import os
    import sys

    own = str(Path(sys.prefix) / "share" / "jupyter")
    current = os.environ.get("JUPYTER_PATH", "")
    if own not in current.split(os.pathsep):
        os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (own, current) if p)


def execute_notebook(name: str, parameters: dict[str, Any], output: Path, km: Any = None) -> Path:
    """Execute notebooks/<name> with papermill into `output`; user errors come back as such.

    A DataError or ConfigError raised in the kernel is raised again here with its message,
    so that the command line can print it as one line; any other failure is a RenderError
    naming the executed notebook, which is kept for inspection.

    `km` is a kernel manager whose kernel is already started (one kernel for the steps of a
    run: see ptdv.pipeline); without it, a kernel is started for this notebook and stopped.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    notebook = paths.notebooks_dir() / name
    if not notebook.is_file():
        raise RenderError(f"notebook not found: {notebook}")
    check_parameters(notebook, parameters)
    output.parent.mkdir(parents=True, exist_ok=True)
    _prefer_own_kernelspec()
    socket_dir = None if km is not None else work_dir("kernel")  # for a kernel of its own
    if socket_dir is None:
        kernel: dict[str, Any] = {"km": km}
    else:
        kernel = {"kernel_manager_class": _ipc_kernel_manager(socket_dir), "kernel_name": "python3"}
    try:
        pm.execute_notebook(
            str(notebook),
            str(output),
            parameters=parameters,
            cwd=str(paths.root()),
            **EXECUTE_OPTIONS,
            **kernel,
        )
    except PapermillExecutionError as err:
        _afresh(km)  # the kernel lives on: a next notebook in it (clean --all) starts anew
        cls = _USER_ERRORS.get(err.ename)
        if cls is not None:
            raise cls(err.evalue) from None
        raise_if_no_space(err, f"the files of {name}", _NOT_RECORDED)
        log = socket_dir / "kernel.log" if socket_dir else None
        if log is not None and log.is_file() and log.stat().st_size:
            shutil.copyfile(log, output.with_suffix(".kernel.log"))
        raise RenderError(
            f"{name} failed: {err.ename}: {err.evalue} (executed notebook: {output})"
        ) from None
    except OSError as err:  # papermill writing the executed notebook
        raise_if_no_space(err, f"the executed notebook {name}", _NOT_RECORDED)
        raise
    finally:
        if socket_dir is not None:
            shutil.rmtree(socket_dir, ignore_errors=True)
    _afresh(km)
    return output


def _afresh(km: Any) -> None:  # noqa: ANN401
    """A run's kernel (`km`, None for a notebook's own): the next notebook starts afresh in it."""
    if km is not None:
        from ptdv.report.kernel import forget

        forget(km)


TEMPLATES = Path(__file__).parents[1] / "templates"


@cache
def _exporter(lang: str) -> Any:
    """Return the HTML exporter of a language, built once per process.

    Building one compiles its Jinja templates (about 0.2 s); a worker that converts report
    after report reuses it.
    """
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
        template_name="ptdv",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        language_code=lang,
    )
    remove = TagRemovePreprocessor(remove_cell_tags={"remove-cell"}, enabled=True)
    exporter.register_preprocessor(remove, enabled=True)
    return exporter


@cache
def warm_up(lang: str) -> None:
    """Convert a small notebook to HTML and lay its page out as a PDF, in memory (once a process).

    The first report a process converts paid for what any would: nbconvert compiling its
    templates (0.13 s), WeasyPrint parsing the page's stylesheets (kept for the next pages,
    see `_for_weasyprint`) and loading the fonts. `ptdv run` does this while its kernel is
    busy cleaning, so that the report's HTML and PDF, when it is done, start warm.
    """
    import nbformat
    from weasyprint import HTML

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("## Tổng hợp\n\n**Đạt 9,86%** `a1b2c3`"))
    page, _ = _exporter(lang).from_notebook_node(nb, resources={"language_code": "vi"})
    _quiet_weasyprint()
    html, sheets, fetcher = _for_weasyprint(page)
    HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=sheets)


def to_html(executed: Path, title: str | None = None, lang: str = "vi") -> str:
    """Return an executed notebook as one self-contained HTML page (no code, no scripts).

    `lang` is the page's language (`<html lang>`: screen readers and hyphenation use it).

    Uses ptdv's nbconvert template (JupyterLab's, with no require.js, MathJax or widget
    scripts); cells tagged `remove-cell` and anything written to stderr are left out.
    """
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = [
                o for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]  # fmt: skip
    if title:
        nb.metadata["title"] = title
    body, _ = _exporter(lang).from_notebook_node(nb, resources={"language_code": "vi"})
    return body


def external_references(page: str) -> list[str]:
    """Return every src or href in an HTML page that points outside the file."""
    import re

    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", page, flags=re.IGNORECASE)
    refs += re.findall(r"""url\(\s*["']?(https?:[^"')]*)""", page, flags=re.IGNORECASE)
    return [r for r in refs if not r.startswith(("data:", "#"))]


def pdf_font_subsetter() -> str:
    """Return what WeasyPrint subsets the PDFs' fonts with: "harfbuzz" or "fonttools".

    WeasyPrint uses HarfBuzz's subsetter when the library is installed (Debian's
    libharfbuzz-subset0, HarfBuzz 4.1 or later), else fontTools, which reads the whole font
    each time: the TLĐ federation PDF took 2.08 s instead of 1.57 s, a unit's 0.91 s instead
    of 0.50 s (medians of five, one after the other). ptdv keeps WeasyPrint's own warning
    about it out of the output (see `to_pdf`); `ptdv run` says it in one line instead.
    """
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    if harfbuzz_subset is not None and harfbuzz.hb_version_atleast(4, 1, 0):
        return "harfbuzz"
    return "fonttools"


def to_pdf(page: str, path: Path) -> Path:
    """Write an HTML page as an A4 PDF with WeasyPrint (temporary file, then rename).

    The page is handed over as `_for_weasyprint` makes it: its stylesheets parsed once per
    process, its embedded images fetched from memory.
    """
    from weasyprint import HTML

    _quiet_weasyprint()
    html, sheets, fetcher = _for_weasyprint(page)
    # WeasyPrint drops a tree of boxes per page, full of reference cycles: the collector's
    # full passes over every object of this process (pandas, papermill, nbconvert: 0.28 M)
    # took 0.18 s of the TLĐ federation PDF's 1.5 s; held, then one pass over the young
    # (0.05 s), the same PDF and the same peak memory within 3 MiB
    with atomic_file(path) as tmp, gc_paused(collect_young=True):
        HTML(string=html, base_url=str(path.parent), url_fetcher=fetcher).write_pdf(
            tmp, stylesheets=sheets
        )
    return path


def _quiet_weasyprint() -> None:
    """Keep WeasyPrint's warnings out of the output: the report's CSS is for browsers too.

    WeasyPrint reports every CSS property it ignores (`print-color-adjust`, for one), and
    fontTools what it subsets.
    """
    import logging

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)


#: The stylesheets of the pages' heads, parsed (WeasyPrint CSS objects), by their text. A
#: batch's worker turns unit page after unit page into PDF, each with the same two
#: stylesheets: parsing them and compiling their selectors took 0.09 s a page.
_SHEETS: OrderedDict[str, Any] = OrderedDict()
_SHEETS_KEPT = 8
_HEAD_STYLE = re.compile(r"<style(?:\s+type=\"text/css\")?\s*>(.*?)</style>", re.DOTALL)
_EMBEDDED = re.compile(r'src="data:(image/(?:png|jpeg));base64,([A-Za-z0-9+/=\s]*)"')
#: The scheme of an embedded image's stand-in address (see `_for_weasyprint`).
_EMBEDDED_SCHEME = "ptdv-embedded"


def _for_weasyprint(page: str) -> tuple[str, list[Any], Any]:
    """Return a page as WeasyPrint takes it fastest: its HTML, stylesheets and URL fetcher.

    The same PDF, pixel for pixel, with less work per page:
    - the `<style>` elements of the head (without a media query) are taken out of the HTML
      and given as stylesheets, parsed once per process (`_SHEETS`). WeasyPrint counts
      stylesheets given so as the user's, not the author's; with no author stylesheet left,
      the cascade is the same. A page with a `<style>` in its body keeps its own, as is;
    - each image embedded as base64 (the charts, 0.3 MB of a unit's 0.33 MB page) is
      replaced by a short address that the fetcher answers from memory: WeasyPrint's HTML
      parser read the base64 text character by character (0.06 s a unit page).
    """
    from weasyprint import CSS
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    head, sep, body = page.partition("</head>")
    if sep and "<style" not in body:
        sheets = []
        for css in _HEAD_STYLE.findall(head):
            sheet = _SHEETS.pop(css, None) or CSS(string=css)
            _SHEETS[css] = sheet  # the most recently used last
            while len(_SHEETS) > _SHEETS_KEPT:
                _SHEETS.popitem(last=False)
            sheets.append(sheet)
        head = _HEAD_STYLE.sub("", head)
    else:
        head, sep, body, sheets = page, "", "", []
    images: list[tuple[str, bytes]] = []

    def stand_in(match: re.Match) -> str:
        images.append((match.group(1), base64.b64decode(match.group(2))))
        return f'src="{_EMBEDDED_SCHEME}:{len(images) - 1}"'

    html = _EMBEDDED.sub(stand_in, head + sep + body)

    class Fetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme, _, number = url.partition(":")
            if scheme == _EMBEDDED_SCHEME and number.isdigit() and int(number) < len(images):
                mime, data = images[int(number)]
                return URLFetcherResponse(url, data, {"Content-Type": mime}, 200)
            return super().fetch(url, headers)

    return html, sheets, Fetcher()
