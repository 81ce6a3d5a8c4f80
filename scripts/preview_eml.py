"""Render the HTML part of .eml files (from `ptdv send --dry-run`) to PDF pages for a look.

    .venv/bin/python scripts/preview_eml.py reports/<plan>/<period>/outbox/01-federation.eml
    pdftoppm -png -r 60 reports/<plan>/<period>/outbox/01-federation.preview.pdf /tmp/mail

The cid: images of the message are put inline as data: URIs (as a mail client shows them);
WeasyPrint lays the page out at the width of a mail client's reading pane. Only files of the
message itself are used: nothing is fetched.
"""

from __future__ import annotations

import base64
import email
import sys
from email import policy
from pathlib import Path

from weasyprint import CSS, HTML


def html_of(path: Path) -> str:
    """Return the HTML part of a message with its cid: images made data: URIs."""
    msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    body = msg.get_body(preferencelist=("html",))
    if body is None:
        raise SystemExit(f"{path}: no HTML part")
    page = body.get_content()
    for part in msg.walk():
        cid = part.get("Content-ID")
        if cid and part.get_content_maintype() == "image":
            data = base64.b64encode(part.get_payload(decode=True)).decode("ascii")
            uri = f"data:{part.get_content_type()};base64,{data}"
            page = page.replace(f"cid:{cid.strip('<>')}", uri)
    return page


def main(argv: list[str]) -> int:
    """Write <name>.preview.pdf next to every .eml given."""
    if not argv:
        print(__doc__)
        return 2
    for name in argv:
        path = Path(name)
        out = path.with_suffix(".preview.pdf")
        css = CSS(string="@page { size: 700px 2400px; margin: 0 }")
        HTML(string=html_of(path), base_url=None).write_pdf(out, stylesheets=[css])
        print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
