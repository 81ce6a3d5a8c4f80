"""Message building (pure), SMTP settings, retries against a real server, the catalogues."""

from __future__ import annotations

import datetime as dt
import ssl
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from ptdv.base import i18n, paths
from ptdv.base.errors import ConfigError
from ptdv.share import notify
from ptdv.share.notify import Attachment, InlineImage, Mail, SmtpSettings, build_message
from smtp_server import PASSWORD, SmtpServer, free_port

SUBJECT = "[SỐ LIỆU MINH HỌA] Báo cáo tiến độ phát triển đoàn viên 6 tháng đầu năm 2026 – CĐN Y tế"


def mail(**kw) -> Mail:  # noqa: ANN003
    base = dict(
        sender="ban-to-chuc@example.org",
        to=["a@example.org"],
        cc=["b@example.org"],
        subject=SUBJECT,
        text="Kính gửi: CĐN Y tế\n61.392 / 120.000",
        html='<p>Kính gửi: CĐN Y tế</p><img src="cid:chart-1@ptdv">',
        message_id="<1@example.org>",
        date=dt.datetime(2026, 6, 5, 8, 0, tzinfo=dt.UTC),
        images=[InlineImage("chart-1@ptdv", b"\x89PNG fake")],
        attachments=[Attachment("bao-cao.pdf", b"%PDF-1.7 x", "application", "pdf")],
    )
    return Mail(**{**base, **kw})


def test_build_message_nests_text_html_image_and_attachment() -> None:
    msg = build_message(mail())
    raw = notify.message_bytes(msg)
    back = message_from_bytes(raw, policy=policy.default)
    assert back["Subject"] == SUBJECT  # no space lost between encoded words
    assert all(len(line) <= 78 for line in raw.split(b"\r\n"))
    assert raw.isascii()  # 7-bit on the wire: any server takes it
    assert back.get_content_type() == "multipart/mixed"
    alt, pdf = back.get_payload()
    assert alt.get_content_type() == "multipart/alternative"
    plain, related = alt.get_payload()
    assert plain.get_content().splitlines() == ["Kính gửi: CĐN Y tế", "61.392 / 120.000"]
    html, image = related.get_payload()
    assert html.get_content_type() == "text/html" and "CĐN Y tế" in html.get_content()
    assert image["Content-ID"] == "<chart-1@ptdv>" and image.get_content() == b"\x89PNG fake"
    assert pdf.get_filename() == "bao-cao.pdf" and pdf.get_content() == b"%PDF-1.7 x"
    assert notify.recipients_of(back) == ["a@example.org", "b@example.org"]


def test_build_message_is_pure() -> None:
    """The same Mail gives the same message, but for the random MIME boundaries."""
    import re

    def canon(raw: bytes) -> bytes:
        return re.sub(rb"=+\d{19}=+", b"BOUNDARY", raw)

    one, two = (notify.message_bytes(build_message(mail())) for _ in range(2))
    assert canon(one) == canon(two)


ENV = {"PTDV_MAIL_FROM": "ban-to-chuc@example.org", "PTDV_SMTP_HOST": "mail.example.org"}


def test_settings_defaults_and_secret() -> None:
    s = SmtpSettings.load({**ENV, "PTDV_SMTP_USER": "u", "PTDV_SMTP_PASSWORD": PASSWORD})
    assert (s.host, s.port, s.security, s.max_bytes) == ("mail.example.org", 587, "starttls",
                                                        10 * 1024 * 1024)  # fmt: skip
    assert PASSWORD not in repr(s) and PASSWORD not in s.describe()
    assert SmtpSettings.load({**ENV, "PTDV_SMTP_SECURITY": "tls"}).port == 465


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"PTDV_SMTP_HOST": "x"}, "PTDV_MAIL_FROM is not set"),
        ({**ENV, "PTDV_SMTP_SECURITY": "ssl"}, "expected one of starttls, tls, none"),
        ({**ENV, "PTDV_SMTP_PORT": "abc"}, "PTDV_SMTP_PORT='abc': expected a whole number"),
        ({**ENV, "PTDV_SMTP_PORT": "587.5"}, "PTDV_SMTP_PORT='587.5': expected a whole number"),
        ({**ENV, "PTDV_SMTP_TIMEOUT": "soon"}, "PTDV_SMTP_TIMEOUT='soon': expected a number"),
        ({**ENV, "PTDV_SMTP_USER": "u"}, "go together"),
        ({**ENV, "PTDV_SMTP_SECURITY": "none", "PTDV_SMTP_USER": "u",
          "PTDV_SMTP_PASSWORD": "p"}, "would send the password unencrypted to mail.example.org"),
        ({"PTDV_MAIL_FROM": "ban-to-chuc@example.org"}, "PTDV_SMTP_HOST is not set"),
        ({**ENV, "PTDV_MAIL_FROM": "ban to chuc"}, "PTDV_MAIL_FROM: 'ban to chuc' is not a valid"),
    ],
)  # fmt: skip
def test_bad_settings_are_refused(env: dict, expected: str) -> None:
    with pytest.raises(ConfigError, match=None) as err:
        SmtpSettings.load(env)
    assert expected in str(err.value)


def test_settings_file_outside_the_project(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("PTDV_ROOT", str(tmp_path / "proj"))
    (tmp_path / "proj").mkdir()
    f = tmp_path / "smtp.env"
    f.write_text(
        "# ptdv mail\nexport PTDV_SMTP_HOST=mail.example.org\nPTDV_SMTP_PASSWORD='s3cr et'\n"
        "PTDV_SMTP_USER=u\nPTDV_MAIL_FROM=a@example.org\n"
    )
    s = SmtpSettings.load({"PTDV_SMTP_HOST": "other.example.org"}, f)
    assert (s.host, s.user, s.password) == ("other.example.org", "u", "s3cr et")  # env wins
    inside = tmp_path / "proj" / "smtp.env"
    inside.write_text(f.read_text())
    with pytest.raises(ConfigError, match="keep it outside the project folder"):
        SmtpSettings.load({}, inside)
    f.write_text("PTDV_SMTP_PASWORD=x\n")
    with pytest.raises(ConfigError, match="line 1: expected KEY=VALUE"):
        SmtpSettings.load({}, f)


def test_mailer_logs_in_and_retries_a_server_that_is_not_up_yet() -> None:
    with SmtpServer() as server:
        env = server.env()
        settings = SmtpSettings.load(env)
        delays: list[float] = []
        with notify.Mailer(settings, sleep=delays.append, say=lambda _t: None) as mailer:
            d = mailer.send(build_message(mail()))
        assert delays == [] and d.attempts == 1
        assert d.reply == "250 2.0.0 Message accepted for delivery"
        assert server.received[0].rcpt_tos == ["a@example.org", "b@example.org"]
    down = SmtpSettings.load({**env, "PTDV_SMTP_PORT": str(free_port())})
    delays = []
    with pytest.raises(notify.ServerUnreachable, match="connection refused .after 3 attempts"):
        notify.Mailer(down, sleep=delays.append, say=lambda _t: None).send(build_message(mail()))
    assert delays == [0.05, 0.1]  # exponential back-off


def test_a_wrong_password_is_a_settings_error() -> None:
    with SmtpServer() as server:
        settings = SmtpSettings.load(server.env(PTDV_SMTP_PASSWORD="wrong"))
        with pytest.raises(ConfigError, match="refused the login of PTDV_SMTP_USER"):
            notify.Mailer(settings).send(build_message(mail()))
        assert server.received == []


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_mailer_over_tls_checks_the_certificate(security: str, tmp_path: Path) -> None:
    """A real TLS server with a certificate from a test authority (trustme)."""
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ctx)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with SmtpServer(tls=security, tls_context=server_ctx) as server:
        trusted = SmtpSettings.load(server.env(PTDV_SMTP_CA_FILE=str(ca_file)))
        d = notify.Mailer(trusted).send(build_message(mail()))
        assert d.reply.startswith("250") and len(server.received) == 1
        untrusted = SmtpSettings.load(server.env())
        with pytest.raises(ConfigError, match="is not trusted .* set PTDV_SMTP_CA_FILE"):
            notify.Mailer(untrusted).send(build_message(mail()))
        assert len(server.received) == 1


# --- the catalogues -------------------------------------------------------------------------


def _extracted() -> set[str]:
    method_map = [("lib/ptdv/**.py", "python"), ("lib/ptdv/templates/**.j2", "jinja2")]
    options = {"lib/ptdv/templates/**.j2": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
    found = extract_from_dir(str(paths.PACKAGE_ROOT), method_map, options)
    return {msg for _f, _l, msg, _c, _ctx in found if isinstance(msg, str)}


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_catalogue_is_complete_and_not_stale(lang: str) -> None:
    with i18n.catalogue_path(lang).open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    ids = {m.id for m in catalog if m.id}
    code = _extracted()
    assert code - ids == set(), "in the code but not the catalogue: run `make i18n`"
    assert ids - code == set(), "in the catalogue but no longer in the code: run `make i18n`"
    untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []


def test_vietnamese_words_come_from_the_catalogue() -> None:
    _ = i18n.translator("vi")
    assert _("[DEMO DATA]") == "[SỐ LIỆU MINH HỌA]"
    assert _("Union membership development: progress report, {period} – {who}",
             period="6 tháng đầu năm 2026", who="CĐN Y tế") == (
        "Báo cáo tiến độ phát triển đoàn viên 6 tháng đầu năm 2026 – CĐN Y tế")  # fmt: skip
    assert i18n.translator("en")("[DEMO DATA]") == "[DEMO DATA]"
