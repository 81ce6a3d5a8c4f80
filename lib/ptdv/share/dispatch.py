"""`ptdv send`: the reports of a period to the federation's leaders and to every unit, and
reminders ("đôn đốc") to the units that sent no form, with a record that never sends twice.

What goes out:
- `federation`: one message to the federation's list: headline figures, the top of the table,
  a chart inline, the PDF and the Excel table attached;
- `units`: one message per unit: its own figures and chart, its PDF attached;
- `missing`: one reminder per unit with no form for the half-year, its blank form attached
  and the due date (the half-year's end + the card's `actuals.due_days`).

Every message is built first (pure: `notify.build_message`) and checked against the size
limit before any connection. `--dry-run` writes them as .eml files to
reports/<plan>/<period>/outbox/ and connects to nothing. Otherwise each delivery is recorded
in reports/<plan>/<period>/sent.json, written atomically (temporary file, fsync, rename)
before ("sending") and after ("sent") each message: a rerun sends only what is not recorded,
and a message whose fate is unknown (the run was killed, or the connection dropped after it
was handed over) is not sent again without --resend. A report re-rendered after it was sent
is sent again only with --resend.

The guarantee is at-most-once per message: "sending" is on disk before the first byte of
its SMTP transaction, so a kill anywhere (before the server accepted it, after, or between
its "250" and the "sent" record) leaves "sending", which no rerun sends again: it lists the
message as unconfirmed and ends with exit 1 for a person to check with the recipients, then
`--resend` (which is at-least-once: that person's call). The price: a run killed after
"sending" was written but before anything reached the server holds back a message that
never went. No SMTP exchange closes that window for good; an idempotent relay would need the
Message-ID to deduplicate, which plain SMTP servers do not do.

Languages: the reports in the plan's language (its card's `language`) are sent unless
`lang` names another, whose files carry its code (tong-hop.en.pdf; run.json's `languages`
says which the folder holds). Report messages of another language are recorded under keys
that carry its code too (`federation.en`, `unit/<id>.en`) and a dry run writes them to
`outbox.en/`; a reminder is one per unit and half-year, whatever its language.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from ptdv.base import paths
from ptdv.base.atomic import atomic_file, replace_dir, staging_dir
from ptdv.base.errors import ConfigError
from ptdv.base.i18n import translations, translator
from ptdv.plan import config
from ptdv.plan.periods import Calendar
from ptdv.progress import missing_units
from ptdv.report.pieces import TZ, num, pct
from ptdv.report.texts import STATUS_COLORS, STATUS_FILLS, metric_label, status_label
from ptdv.share import TO_CHOICES, recipients
from ptdv.share.notify import (
    Attachment,
    InlineImage,
    Mail,
    Mailer,
    PermanentFailure,
    ServerUnreachable,
    SmtpSettings,
    TemporaryFailure,
    UncertainDelivery,
    build_message,
    message_bytes,
    new_message_id,
)

FEDERATION = "tong-hop"
TEMPLATES = Path(__file__).parents[1] / "templates" / "mail"
#: Units listed by name in the federation's message before "and N more".
TOP_UNITS = 5
#: The languages' names, for error messages (which stay English).
LANGUAGE_NAMES = {"vi": "Vietnamese", "en": "English"}


# --- templates ------------------------------------------------------------------------------


@cache
def _environment(lang: str) -> Any:
    """Return the Jinja2 environment of one language (autoescaped HTML, gettext installed)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=lambda name: bool(name and name.endswith(".html.j2")),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.policies["ext.i18n.trimmed"] = True  # as babel.cfg extracts them
    env.install_gettext_translations(translations(lang), newstyle=True)
    return env


def render_bodies(name: str, lang: str, **context: Any) -> tuple[str, str]:
    """Return the plain-text and HTML bodies of mail template `name` (report or reminder)."""
    env = _environment(lang)
    text = env.get_template(f"{name}.txt.j2").render(lang=lang, **context)
    html = env.get_template(f"{name}.html.j2").render(lang=lang, **context)
    return text, html


# --- figures for the message bodies ---------------------------------------------------------


def _metric_rows(prog: pd.DataFrame, metrics: list[str], unit_id: str | None, lang: str) -> list:
    rows = []
    for metric in metrics:
        p = prog[prog["metric"] == metric]
        units = p[p["level"] == "unit"]
        if unit_id is None:
            r = p[p["level"] == "federation"].iloc[0]
            rank = ""
        else:
            r = units[units["unit_id"] == unit_id].iloc[0]
            ranked = int(units["rank"].notna().sum())
            rank = "" if pd.isna(r["rank"]) else f"{int(r['rank'])}/{ranked}"
        rows.append(
            {
                "label": metric_label(metric, lang),
                "cum_actual": num(r["cum_actual"], lang),
                "term_target": num(r["term_target"], lang),
                "cum_pct": pct(r["cum_pct"], lang),
                "period_actual": num(r["period_actual"], lang),
                "period_target": num(r["period_target"], lang),
                "period_pct": pct(r["period_pct"], lang),
                "elapsed": pct(r["elapsed_share"], lang),
                "needed": num(r["needed_per_half"], lang),
                "status": status_label(str(r["status"]), lang),
                "status_color": STATUS_COLORS[str(r["status"])],
                "status_fill": STATUS_FILLS[str(r["status"])],
                "rank": rank,
                "counts": units["status"].value_counts().to_dict(),
                "n_units": len(units),
            }
        )
    return rows


def _top_units(prog: pd.DataFrame, metric: str, lang: str) -> tuple[list[dict], list[str]]:
    """Return the best units by % of the term target, and the names of the units behind."""
    units = prog[(prog["metric"] == metric) & (prog["level"] == "unit")]
    ranked = units[units["rank"].notna()].sort_values("rank").head(TOP_UNITS)
    top = [
        {
            "rank": int(r["rank"]),
            "name": r["unit_name"],
            "cum_actual": num(r["cum_actual"], lang),
            "term_target": num(r["term_target"], lang),
            "cum_pct": pct(r["cum_pct"], lang),
            "status": status_label(str(r["status"]), lang),
            "status_fill": STATUS_FILLS[str(r["status"])],
        }
        for _, r in ranked.iterrows()
    ]
    behind = units[units["status"] == "behind"].sort_values("order")["unit_name"].tolist()
    return top, behind


# --- the sent record ------------------------------------------------------------------------


class SentJournal:
    """reports/<plan>/<period>/sent.json: what was sent, written atomically at every change."""

    def __init__(self, path: Path, plan_id: str, period: str) -> None:
        self.path = path
        if path.is_file():
            try:
                self.data = json.loads(path.read_text("utf-8"))
            except ValueError as err:
                raise ConfigError(
                    f"{path}: the record of sent messages is damaged ({err}); move it aside to "
                    "send again (every message in it would go again)"
                ) from None
        else:
            self.data = {"plan_id": plan_id, "period": period, "messages": {}}

    def get(self, key: str) -> dict | None:
        """Return the record of a message, or None."""
        return self.data["messages"].get(key)

    def _write(self) -> None:
        with atomic_file(self.path) as tmp:
            tmp.write_text(json.dumps(self.data, ensure_ascii=False, indent=2), "utf-8")

    def begin(self, out: Outgoing) -> None:
        """Record that a message is being handed to the server (before the first byte)."""
        old = self.get(out.key)
        record = {
            "state": "sending",
            "kind": out.kind,
            "unit_id": out.unit_id,
            "name": out.name,
            "message_id": out.mail.message_id,
            "subject": out.mail.subject,
            "to": out.mail.to,
            "cc": out.mail.cc,
            "attachments": [
                {"filename": a.filename, "sha256": a.sha256, "bytes": len(a.data)}
                for a in out.mail.attachments
            ],
            "report_sha256": out.report_sha256,
            "bytes": out.size,
            "started": _now(),
        }
        if old is not None:
            record["previous"] = [*old.pop("previous", []), old]
        self.data["messages"][out.key] = record
        self._write()

    def done(self, key: str, reply: str, refused: dict, deferred: dict, attempts: int) -> None:
        """Record that the server accepted the message."""
        record = self.data["messages"][key]
        record.update(state="sent", time=_now(), reply=reply, attempts=attempts)
        if refused:
            record["refused"] = refused
        if deferred:
            record["deferred"] = deferred
        self._write()

    def forget(self, key: str) -> None:
        """Drop the record of a message that certainly did not go (an earlier send stays)."""
        record = self.data["messages"].pop(key)
        previous = record.get("previous") or []
        if previous:
            last = previous[-1]
            if previous[:-1]:
                last["previous"] = previous[:-1]
            self.data["messages"][key] = last
        self._write()

    def uncertain(self, key: str, error: str) -> None:
        """Record that a message may or may not have been delivered."""
        record = self.data["messages"][key]
        record.update(state="uncertain", time=_now(), error=error)
        self._write()


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _now() -> str:
    return dt.datetime.now(TZ).isoformat(timespec="seconds")


# --- building the messages ------------------------------------------------------------------


@dataclass
class Outgoing:
    """One message ready to go, with what the sent record keeps of it."""

    key: str  # federation | unit/<id> | reminder/<id>
    kind: str  # federation | unit | reminder
    unit_id: str | None
    name: str
    mail: Mail
    msg: EmailMessage = field(repr=False)
    size: int
    #: SHA-256 of the report the message carries (None for reminders): a changed report
    #: is not sent again without --resend
    report_sha256: str | None = None


@dataclass
class SendResult:
    """What `send` did."""

    plan_id: str
    period: str
    dry_run: bool
    sent: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (key, why)
    failed: list[tuple[str, str]] = field(default_factory=list)
    uncertain: list[tuple[str, str]] = field(default_factory=list)
    refused: list[tuple[str, str, str]] = field(default_factory=list)  # key, address, reply
    outbox: Path | None = None
    written: list[Path] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """Return 0 when everything went (or was written), 1 when anything failed."""
        return 1 if self.failed or self.uncertain or self.refused else 0


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "x"


def _read_run(dest: Path, plan_id: str, period: str, *, need: bool = True) -> dict:
    """Return the run record of a reports folder ({} when there is none and none is needed).

    A record that cannot be read (damaged, or not ptdv's) stops the send in one line: what
    the reports are, and which files go, is known from it alone.
    """
    run_json = dest / "run.json"
    if not run_json.is_file():
        if not need:
            return {}
        raise ConfigError(
            f"no reports for {plan_id} {period} in {dest}: run `ptdv run --plan {plan_id} "
            f"--period {period}` first (reminders alone: --to missing)"
        )
    try:
        run = json.loads(run_json.read_text("utf-8"))
    except (OSError, ValueError) as err:
        why = getattr(err, "strerror", None) or str(err)
        run = None
    else:
        why = "not a run record"
    if not isinstance(run, dict):
        raise ConfigError(
            f"{run_json} cannot be read ({why}): run `ptdv run --plan {plan_id} --period "
            f"{period}` again to render the reports and write it"
        )
    return run


def _units_table(processed: Path) -> pd.DataFrame | None:
    """Return a cleaned plan's units table; None when it is not there or cannot be read."""
    try:
        return pd.read_parquet(processed / "units.parquet")
    except (OSError, ValueError):  # missing, or damaged (pyarrow's ArrowInvalid)
        return None


def language_entry(run: dict, lang: str) -> dict | None:
    """Return what run.json records of the reports in `lang` (None when there are none).

    The entry has `reports`, `outputs`, `suffix` (what the file names carry before their
    extension) and `charts` (their folder). A run.json written before reports of several
    languages could share a folder holds one language, under the plain names.
    """
    if "languages" in run:
        return run["languages"].get(lang)
    if run.get("lang", "vi") != lang:
        return None
    return {**run, "suffix": "", "charts": "charts"}


def language_suffix(lang: str, plan_lang: str) -> str:
    """Return what a language's keys and folders carry: "" for the plan's, ".en" for another."""
    return "" if lang == plan_lang else f".{lang}"


class _Builder:
    """Builds the messages of one plan and period (pure apart from reading the report files)."""

    def __init__(
        self,
        plan_id: str,
        period: str,
        lang: str,
        sender: str,
        today: dt.date,
        demo: bool,
        files: dict | None = None,
    ) -> None:
        self.card = config.load_card(plan_id)
        self.cal = Calendar.from_card(self.card)
        self.plan_id, self.period, self.lang, self.sender = plan_id, period, lang, sender
        self.today = today
        self.demo = demo
        self._ = translator(lang)
        self.dest = paths.reports_dir(plan_id) / period
        #: where the reports of `lang` are (a run.json language entry: suffix, charts)
        self.suffix = (files or {}).get("suffix", "")
        self.charts = self.dest / (files or {}).get("charts", "charts")
        #: what the sent record's keys of report messages carry (".en" in another language)
        self.key_suffix = language_suffix(lang, self.card.language)

    def _context(self, who: str) -> dict[str, Any]:
        card, cal = self.card, self.cal
        return {
            "issuer": card.issuer,
            "plan_title": card.title,
            "document": card.document.number,
            "period_label": cal.label(self.period, self.lang),
            "period_text": _lower_first(cal.label(self.period, self.lang)),  # mid-sentence
            "period_dates": cal.date_range(self.period),
            "term_dates": cal.date_range("term"),
            "who": who,
            "demo": self.demo,
            "generated": dt.datetime.now(TZ).strftime("%d/%m/%Y %H:%M"),
        }

    def _subject(self, text: str) -> str:
        prefix = self._("[DEMO DATA]") + " " if self.demo else ""
        return prefix + text

    def _mail(self, to: list[str], cc: list[str], subject: str, **kw: Any) -> Mail:
        return Mail(
            sender=self.sender,
            to=to,
            cc=cc,
            subject=subject,
            message_id=new_message_id(self.sender),
            date=dt.datetime.now(TZ),
            headers={
                "Auto-Submitted": "auto-generated",
                "X-PTDV-Report": f"{self.plan_id} {self.period}",
            },
            **kw,
        )

    def report(
        self, unit_id: str | None, name: str, addr: recipients.Addressees, prog: pd.DataFrame
    ) -> Outgoing:
        """Return the report message of the federation (unit_id None) or of one unit."""
        _ = self._
        metrics = list(dict.fromkeys(prog["metric"]))
        sub = "" if unit_id is None else "don-vi/"
        slug = FEDERATION if unit_id is None else unit_id
        pdf = self.dest / f"{sub}{slug}{self.suffix}.pdf"
        if not pdf.is_file():
            raise FileNotFoundError(f"{pdf.relative_to(paths.root())} is missing")
        stem = _("progress-report") + f"-{self.period}-{slug}"
        attachments = [Attachment(f"{stem}.pdf", pdf.read_bytes(), "application", "pdf")]
        xlsx = self.dest / f"{FEDERATION}{self.suffix}.xlsx"
        if unit_id is None and xlsx.is_file():
            attachments.append(
                Attachment(
                    f"{stem}.xlsx",
                    xlsx.read_bytes(),
                    "application",
                    "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
            )
        chart_name = f"{metrics[0]}-cumulative.png"
        if unit_id is None:
            chart = self.charts / chart_name
        else:
            chart = self.charts / "don-vi" / f"{unit_id}-{chart_name}"
        images = [InlineImage("chart-1@ptdv", chart.read_bytes())] if chart.is_file() else []
        top, behind = ([], [])
        if unit_id is None:
            top, behind = _top_units(prog, metrics[0], self.lang)
        who = self.card.issuer_short if unit_id is None else name
        context = self._context(who) | {
            "unit": unit_id is not None,
            "rows": _metric_rows(prog, metrics, unit_id, self.lang),
            "top": top,
            "behind": behind[:10],
            "behind_more": max(0, len(behind) - 10),
            "chart_cid": images[0].cid if images else None,
            "chart_alt": metric_label(metrics[0], self.lang),
            "attachments": [a.filename for a in attachments],
        }
        text, html = render_bodies("report", self.lang, **context)
        subject = self._subject(
            _(
                "Union membership development: progress report, {period} – {who}",
                period=context["period_label"],
                who=who,
            )
        )
        mail = self._mail(
            addr.to, addr.cc, subject, text=text, html=html, images=images, attachments=attachments
        )
        key = ("federation" if unit_id is None else f"unit/{unit_id}") + self.key_suffix
        kind = "federation" if unit_id is None else "unit"
        return _outgoing(key, kind, unit_id, who, mail, attachments[0].sha256)

    def reminder(self, unit_id: str, name: str, addr: recipients.Addressees) -> Outgoing:
        """Return the reminder to a unit that sent no form, its blank form attached."""
        from ptdv.tables import forms

        _ = self._
        period = self.cal.period(self.period)
        due = period.end + dt.timedelta(days=self.card.actuals.due_days)
        with tempfile.TemporaryDirectory(prefix="ptdv-form-") as tmp:
            form = forms.write_form(Path(tmp) / "form.xlsx", self.card, name, self.period)
            data = form.read_bytes()
        filename = _("report-form") + f"-{self.period}-{unit_id}.xlsx"
        attachment = Attachment(
            filename, data, "application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        context = self._context(name) | {
            "due": due.strftime("%d/%m/%Y"),
            "overdue": self.today > due,
            "period_id": self.period,
            "attachments": [filename],
            "reply_to": self.sender,
        }
        text, html = render_bodies("reminder", self.lang, **context)
        subject = self._subject(
            _(
                "Reminder: half-year report form for {period}, due {due} – {who}",
                period=context["period_label"],
                due=context["due"],
                who=name,
            )
        )
        mail = self._mail(addr.to, addr.cc, subject, text=text, html=html, attachments=[attachment])
        return _outgoing(f"reminder/{unit_id}", "reminder", unit_id, name, mail, None)


def _outgoing(
    key: str, kind: str, unit_id: str | None, name: str, mail: Mail, report_sha: str | None
) -> Outgoing:
    msg = build_message(mail)
    return Outgoing(key, kind, unit_id, name, mail, msg, len(message_bytes(msg)), report_sha)


# --- the command ----------------------------------------------------------------------------


def _kinds(to: str | list[str]) -> set[str]:
    chosen = [to] if isinstance(to, str) else list(to)
    bad = [t for t in chosen if t not in TO_CHOICES]
    if bad or not chosen:
        raise ConfigError(f"--to {' '.join(bad)}: expected any of {', '.join(TO_CHOICES)}")
    return {"federation", "units", "missing"} if "all" in chosen else set(chosen)


def send(
    plan_id: str,
    period: str,
    *,
    to: str | list[str] = "all",
    units: list[str] | None = None,
    recipients_file: str | Path | None = None,
    dry_run: bool = False,
    resend: bool = False,
    lang: str | None = None,
    max_mb: float | None = None,
    settings: SmtpSettings | None = None,
    settings_file: str | Path | None = None,
    today: dt.date | None = None,
    say: Callable[[str], None] = print,
    sleep: Callable[[float], None] | None = None,
    ui_lang: str = "en",
) -> SendResult:
    """Build, check and send (or write, with dry_run) the messages of one plan and period.

    The messages are in `lang` (default: the plan card's `language`) and carry that
    language's reports; what the command says goes through gettext in `ui_lang`.
    """
    from ptdv.report import pieces as report
    from ptdv.report.notebooks import clean_plan

    _ = translator(ui_lang)
    kinds = _kinds(to)
    card = config.load_card(plan_id)
    cal = Calendar.from_card(card)
    try:
        p = cal.period(period)
    except ValueError as err:
        raise ConfigError(f"plan {plan_id}: {err}") from None
    if kinds == {"missing"} and p.kind != "half":
        raise ConfigError(
            f"reminders are for a half-year: give a period such as {cal.halves()[-1].id}"
        )
    if p.kind != "half":
        kinds.discard("missing")
    if settings is None:
        settings = SmtpSettings.load(settings_file=settings_file, need_server=not dry_run)
    if max_mb is not None:
        if max_mb <= 0:
            raise ConfigError(f"--max-size {max_mb:g}: expected a size in MB above 0")
        settings = dataclasses.replace(settings, max_bytes=int(max_mb * 1024 * 1024))
    today = today or dt.datetime.now(TZ).date()
    dest = paths.reports_dir(plan_id) / period

    run = _read_run(dest, plan_id, period, need=bool(kinds & {"federation", "units"}))
    lang = lang or card.language
    if lang not in LANGUAGE_NAMES:
        raise ConfigError(f"unknown language {lang!r}; valid: {', '.join(LANGUAGE_NAMES)}")
    files = language_entry(run, lang) if run else None
    if kinds & {"federation", "units"} and files is None:
        held = run.get("languages") or {run.get("lang", "vi"): None}
        again = "" if lang == card.language else f" --lang {lang}"
        raise ConfigError(
            f"no {LANGUAGE_NAMES[lang]} reports for {plan_id} {period} in {dest} (it holds "
            f"{', '.join(LANGUAGE_NAMES[k] for k in held if k in LANGUAGE_NAMES)}): run "
            f"`ptdv run --plan {plan_id} --period {period}{again}` first"
        )
    prog = None  # the figures the reports show
    if kinds & {"federation", "units"}:
        prog_file = dest / "progress.parquet"
        if not prog_file.is_file():
            raise ConfigError(
                f"{prog_file} is missing (reports rendered by an older ptdv): run `ptdv run "
                f"--plan {plan_id} --period {period}` again"
            )
        try:
            prog = pd.read_parquet(prog_file)
        except (OSError, ValueError):  # pyarrow's ArrowInvalid is a ValueError
            raise ConfigError(
                f"{prog_file} cannot be read as a Parquet table (damaged?): run `ptdv run "
                f"--plan {plan_id} --period {period}` again to render the reports and write it"
            ) from None
    # the reports are there: now the recipients file, before anything is cleaned or built
    recipients.precheck(plan_id, recipients_file)
    if "missing" in kinds:
        say(_("cleaning {plan} to see which forms have arrived ...", plan=plan_id))
        clean_plan(plan_id)
    processed = paths.processed_dir(plan_id)
    table = _units_table(processed)
    if table is None:  # not cleaned yet, or its table damaged: cleaned again
        clean_plan(plan_id)
        table = pd.read_parquet(processed / "units.parquet")
    names = dict(zip(table["unit_id"], table["unit_name"], strict=True))
    chosen = None
    if units:
        chosen = list(dict.fromkeys(report.resolve_unit(u, table, plan_id) for u in units))

    who = recipients.for_plan(plan_id, table, recipients_file)
    demo = bool(run.get("demo", card.actuals.demo or card.demo))
    builder = _Builder(plan_id, period, lang, settings.mail_from, today, demo, files)

    outgoing: list[Outgoing] = []
    result = SendResult(plan_id, period, dry_run)
    # a report that failed at the last `ptdv run` has no PDF: say why instead of what is missing
    failures = {f.get("unit_id"): f.get("error") for f in (files or {}).get("failures", [])}

    def no_report(unit_id: str | None, err: FileNotFoundError) -> str:
        if unit_id in failures:
            return _(
                "no report to send: it failed at the last `ptdv run` ({error})",
                error=failures[unit_id],
            )
        return _("no report to send: {error}", error=err)

    if "federation" in kinds:
        try:
            outgoing.append(builder.report(None, card.issuer_short, who.need_federation(), prog))
        except FileNotFoundError as err:
            result.failed.append(("federation" + builder.key_suffix, no_report(None, err)))
    if "units" in kinds:
        rendered = [r["unit_id"] for r in (files or {}).get("reports", []) if r.get("unit_id")]
        ids = chosen if chosen is not None else rendered
        if not ids:
            say(
                _(
                    "no unit reports in {folder} (rendered with --units none?): no unit message",
                    folder=dest.name,
                )
            )
        addresses = who.need_units(ids, names)
        for unit_id in ids:
            try:
                outgoing.append(builder.report(unit_id, names[unit_id], addresses[unit_id], prog))
            except FileNotFoundError as err:
                result.failed.append(
                    (f"unit/{unit_id}{builder.key_suffix}", no_report(unit_id, err))
                )
    if "missing" in kinds:
        actuals = pd.read_parquet(processed / "actuals.parquet")
        lacking = missing_units(actuals, table, period, cal)
        if chosen is not None:
            lacking = [u for u in lacking if u in chosen]
        addresses = who.need_units(lacking, names)
        if lacking:
            say(
                _(
                    "{n} unit(s) sent no form for {period}: {names}",
                    n=len(lacking),
                    period=period,
                    names=", ".join(names[u] for u in lacking),
                )
            )
        else:
            say(_("every unit sent its form for {period}", period=period))
        for unit_id in lacking:
            outgoing.append(builder.reminder(unit_id, names[unit_id], addresses[unit_id]))

    too_big = [o for o in outgoing if o.size > settings.max_bytes]
    if too_big:
        limit = round(settings.max_bytes / 1024 / 1024, 2)
        shown = ", ".join(f"{o.key} ({o.size / 1024 / 1024:.1f} MB)" for o in too_big)
        raise ConfigError(
            f"{len(too_big)} message(s) over the size limit of {limit:g} MB: {shown}; nothing "
            "was sent (raise the limit with --max-size or PTDV_MAIL_MAX_MB)"
        )

    if dry_run:
        _write_outbox(dest / f"outbox{language_suffix(lang, card.language)}", outgoing, result)
        return result

    journal = SentJournal(dest / "sent.json", plan_id, period)
    todo = []
    for out in outgoing:
        record = journal.get(out.key)
        why = None if resend else _already(record, out, _)
        if why is None:
            todo.append(out)
        elif record and record.get("state") in ("sending", "uncertain"):
            result.uncertain.append((out.key, why))  # needs a person's look: exit 1
        else:
            result.skipped.append((out.key, why))
    if not todo:
        return result
    say(_("sending {n} message(s) via {server} ...", n=len(todo), server=settings.describe()))
    with Mailer(settings, say=say, **({"sleep": sleep} if sleep else {})) as mailer:
        for n, out in enumerate(todo, start=1):
            journal.begin(out)
            try:
                d = mailer.send(out.msg)
            except UncertainDelivery as err:
                journal.uncertain(out.key, str(err))
                result.uncertain.append((out.key, str(err)))
                say(f"  [{n}/{len(todo)}] {out.name}: " + _("UNCERTAIN: {error}", error=err))
                continue
            except ServerUnreachable as err:
                journal.forget(out.key)
                result.failed.append((out.key, str(err)))
                rest = [o.key for o in todo[n:]]
                for key in rest:
                    result.failed.append((key, "not attempted: the server cannot be reached"))
                say(
                    f"  [{n}/{len(todo)}] {out.name}: "
                    + _("FAILED: {error}; {n} not attempted", error=err, n=len(rest))
                )
                break
            except (TemporaryFailure, PermanentFailure) as err:
                journal.forget(out.key)
                result.failed.append((out.key, str(err)))
                say(f"  [{n}/{len(todo)}] {out.name}: " + _("FAILED: {error}", error=err))
                continue
            except BaseException:
                journal.forget(out.key)  # e.g. a settings error at login: nothing went
                raise
            journal.done(out.key, d.reply, d.refused, d.deferred, d.attempts)
            result.sent.append(out.key)
            for address, reply in {**d.refused, **d.deferred}.items():
                result.refused.append((out.key, address, reply))
            line = _("sent to {addresses}", addresses=", ".join(d.accepted))
            if d.refused:
                line += "; " + _("refused: {addresses}", addresses=", ".join(d.refused))
            if d.deferred:
                line += "; " + _("deferred: {addresses}", addresses=", ".join(d.deferred))
            say(f"  [{n}/{len(todo)}] {out.name}: {line}")
    return result


def _already(record: dict | None, out: Outgoing, _: Callable[..., str]) -> str | None:
    """Return why a message is not sent again (in the words `_` gives), or None to send it."""
    if record is None:
        return None
    state = record.get("state")
    if state in ("sending", "uncertain"):
        return _(
            "its delivery on {time} was not confirmed (the run was stopped or the connection "
            "dropped): check with the recipients, then --resend",
            time=record.get("started"),
        )
    if out.report_sha256 and record.get("report_sha256") not in (None, out.report_sha256):
        return _(
            "the report was re-rendered after it was sent on {time}: not sent again without "
            "--resend",
            time=record.get("time"),
        )
    return _("already sent on {time}", time=record.get("time"))


def _write_outbox(outbox: Path, outgoing: list[Outgoing], result: SendResult) -> None:
    """Write every message as an .eml file into `outbox` (replaced whole)."""
    outbox.parent.mkdir(parents=True, exist_ok=True)
    staging = staging_dir(outbox)
    try:
        for n, out in enumerate(outgoing, start=1):
            path = staging / f"{n:02d}-{_safe_name(out.key.replace('/', '-'))}.eml"
            path.write_bytes(message_bytes(out.msg))
            result.written.append(outbox / path.name)
        replace_dir(staging, outbox)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    result.outbox = outbox
