"""ptdv: clean allocation tables, compute progress against targets, and report it."""

from __future__ import annotations

import sys

__version__ = "0.1.0"

# nbformat (under papermill and nbconvert) imports jsonschema, whose format checkers import
# rfc3987_syntax when it is installed (jsonschema[format-nongpl], pulled in by Jupyter). That
# module builds ~35 Lark parsers at import: 2-3 s in every process that reads a notebook, more
# than executing a report. No notebook schema uses the `iri` formats it checks, so ptdv's
# processes go without it (jsonschema skips a checker whose module cannot be imported).
# See python-jsonschema/jsonschema#1428. A process that imported it before ptdv keeps it.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
