"""Generate a SYNTHETIC national allocation table of grassroots unions (CĐCS), seeded.

Made up for benchmarks and tests, never shipped as data: a national plan (term 2024-2028,
calendar half-years, ten of them) whose table lists `n_direct` units directly under the
national federation (provincial federations, central industry unions, corporation unions) as
group rows ("I | LĐLĐ tỉnh An Giang | subtotals"), each followed by its CĐCS rows (TT from 1
within the group). For each CĐCS: members at 31/12/2023, the term's targets (members
admitted, net increase) and, for each of the ten half-years, the members admitted and the net
increase (admitted - lost) it reported. Some CĐCS did not report a half-year (both cells
empty), a few never reported, some are behind, some ahead, some lost more members than they
admitted (a negative net, printed in parentheses), a few have zero targets. Every group row
and the totals row `TỔNG CỘNG` equal the sums of their CĐCS rows, and the card's declared
totals equal the table's, so cleaning finds no error.

Writes under a project root (used with PTDV_ROOT=root): config/plans/<id>.yaml,
data/raw/<id>/bang-giao-chi-tieu-toan-quoc.txt (tab-separated, as copied out of a document),
and a symlink root/notebooks -> the checkout's notebooks (so `ptdv run` works there).

    .venv/bin/python bench/national.py ROOT N [--direct 100] [--halves 10] [--seed 2026]

prints the plan id. The same arguments give the same bytes.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CHECKOUT = Path(__file__).resolve().parents[1]
FILE = "bang-giao-chi-tieu-toan-quoc.txt"
TERM_START, TERM_END = 2024, 2028
BASE_HEADER = "Số đoàn viên đến 31/12/2023"
TERM_HEADER = "Chỉ tiêu giai đoạn 2024 - 2028"
ADMITTED, NET = "Kết nạp mới", "Tăng thêm ĐV"

PROVINCES = [
    "An Giang", "Bà Rịa-Vũng Tàu", "Bạc Liêu", "Bắc Kạn", "Bắc Giang", "Bắc Ninh", "Bến Tre",
    "Bình Dương", "Bình Định", "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng", "Cần Thơ",
    "Đà Nẵng", "Đắk Lắk", "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai",
    "Hà Giang", "Hà Nam", "Hà Nội", "Hà Tĩnh", "Hải Dương", "Hải Phòng", "Hậu Giang",
    "Hòa Bình", "Thành phố Hồ Chí Minh", "Hưng Yên", "Khánh Hòa", "Kiên Giang", "Kon Tum",
    "Lai Châu", "Lâm Đồng", "Lạng Sơn", "Lào Cai", "Long An", "Nam Định", "Nghệ An",
    "Ninh Bình", "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình", "Quảng Nam", "Quảng Ngãi",
    "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh", "Thái Bình", "Thái Nguyên",
    "Thanh Hóa", "Thừa Thiên-Huế", "Tiền Giang", "Trà Vinh", "Tuyên Quang", "Vĩnh Long",
    "Vĩnh Phúc", "Yên Bái",
]  # fmt: skip
CENTRAL = [
    "Công đoàn Công Thương Việt Nam", "Công đoàn Giáo dục Việt Nam", "Công đoàn Y tế Việt Nam",
    "Công đoàn Xây dựng Việt Nam", "Công đoàn Giao thông vận tải Việt Nam",
    "Công đoàn Nông nghiệp và Phát triển nông thôn Việt Nam", "Công đoàn Ngân hàng Việt Nam",
    "Công đoàn Thông tin và Truyền thông Việt Nam", "Công đoàn Quốc phòng",
    "Công đoàn Công an nhân dân", "Công đoàn Viên chức Việt Nam",
    "Công đoàn Dệt May Việt Nam", "Công đoàn Điện lực Việt Nam",
    "Công đoàn Dầu khí Việt Nam", "Công đoàn Than - Khoáng sản Việt Nam",
    "Công đoàn Cao su Việt Nam", "Công đoàn Hàng không Việt Nam",
    "Công đoàn Đường sắt Việt Nam", "Công đoàn Bưu điện Việt Nam",
    "Công đoàn Tài chính Việt Nam",
]  # fmt: skip
KINDS = [
    "Công ty TNHH", "Công ty cổ phần", "Công ty TNHH MTV", "Doanh nghiệp tư nhân",
    "Hợp tác xã", "Trường THCS", "Trường Tiểu học", "Trường Mầm non", "Bệnh viện",
    "Trung tâm Y tế", "UBND xã", "Chi nhánh Công ty",
]  # fmt: skip
WORDS = [
    "Hưng Thịnh", "Phú Cường", "An Phát", "Thành Công", "Đại Việt", "Hòa Bình", "Minh Long",
    "Sao Mai", "Tân Tiến", "Phương Nam", "Đông Á", "Việt Tiến", "Hồng Hà", "Trường Sơn",
    "Bình Minh", "Kim Ngân", "Thái Dương", "Nam Việt", "Quang Trung", "Lạc Hồng",
]  # fmt: skip


def direct_names(n_direct: int) -> list[str]:
    """Return the names of the units directly under the national federation."""
    names = [f"LĐLĐ tỉnh {p}" if "Thành phố" not in p else f"LĐLĐ {p}" for p in PROVINCES]
    names += CENTRAL
    k = 1
    while len(names) < n_direct:
        names.append(f"Công đoàn Tổng công ty số {k}")
        k += 1
    return names[:n_direct]


def roman(n: int) -> str:
    """Return n (1-3999) in Roman numerals, as group rows are numbered."""
    out = ""
    for value, sym in (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ):  # fmt: skip
        while n >= value:
            out += sym
            n -= value
    return out


def half_ids(n_halves: int) -> list[str]:
    """Return the half-year ids of the table's actual columns (from 2024-H1)."""
    return [f"{TERM_START + k // 2}-H{k % 2 + 1}" for k in range(n_halves)]


def half_header(h: str) -> str:
    """Return the table's header over a half-year's columns ('6 tháng đầu năm 2024')."""
    return f"6 tháng {'đầu' if h.endswith('H1') else 'cuối'} năm {h[:4]}"


@dataclass
class National:
    """The generated figures: one entry per CĐCS (NaN = not reported), in table order."""

    group: np.ndarray  # index of the direct unit (0-based)
    names: list[str]
    baseline: np.ndarray
    target_admitted: np.ndarray
    target_net: np.ndarray
    admitted: np.ndarray  # (n_units, n_halves), NaN = not reported
    net: np.ndarray
    halves: list[str]
    direct: list[str]


def generate(n_units: int, n_direct: int = 100, n_halves: int = 10, seed: int = 2026) -> National:
    """Return the figures of the synthetic table (deterministic for the arguments)."""
    if n_direct < 1 or n_units < n_direct:
        raise ValueError("need at least one CĐCS per direct unit")
    if not 1 <= n_halves <= 2 * (TERM_END - TERM_START + 1):
        raise ValueError(f"n_halves must be 1-{2 * (TERM_END - TERM_START + 1)}")
    rng = np.random.default_rng(seed)
    weights = rng.lognormal(0.0, 0.6, n_direct)
    sizes = np.ones(n_direct, dtype=np.int64)
    sizes += np.floor(weights / weights.sum() * (n_units - n_direct)).astype(np.int64)
    order = np.argsort(-weights, kind="stable")
    k = 0
    while sizes.sum() < n_units:  # hand out the remainder to the largest units
        sizes[order[k % n_direct]] += 1
        k += 1
    if sizes.max() > 9999:
        raise ValueError("a direct unit would have more than 9,999 CĐCS (TT has four digits)")
    group = np.repeat(np.arange(n_direct), sizes)
    serial = np.concatenate([np.arange(1, s + 1) for s in sizes])
    kinds = rng.integers(0, len(KINDS), n_units)
    words = rng.integers(0, len(WORDS), n_units)
    names = [
        f"CĐCS {KINDS[a]} {WORDS[b]} {g + 1:03d}-{s:04d}"
        for a, b, g, s in zip(kinds, words, group, serial, strict=True)
    ]
    baseline = np.clip(np.round(rng.lognormal(4.2, 1.0, n_units)), 8, 20_000)
    target_admitted = np.round(baseline * rng.uniform(0.1, 0.45, n_units))
    target_net = np.round(target_admitted * rng.uniform(0.45, 0.85, n_units))
    zero = rng.random(n_units) < 0.02
    target_admitted[zero] = 0
    target_net[zero] = 0
    # performance: most near the pace, a tail behind, some well ahead
    perf = rng.lognormal(0.0, 0.35, n_units) * np.where(rng.random(n_units) < 0.15, 0.45, 1.0)
    per_half = np.maximum(target_admitted, rng.integers(0, 12, n_units)) / (2 * 5)
    admitted = np.round(
        per_half[:, None] * perf[:, None] * rng.uniform(0.55, 1.45, (n_units, n_halves))
    )
    lost_share = rng.uniform(0.05, 0.5, (n_units, n_halves))
    closures = rng.random((n_units, n_halves)) < 0.03  # an enterprise shrank: more lost
    lost_share[closures] = rng.uniform(1.1, 2.5, int(closures.sum()))
    net = admitted - np.round(admitted * lost_share)
    silent = (rng.random((n_units, n_halves)) < 0.03) | (rng.random(n_units) < 0.005)[:, None]
    admitted[silent] = np.nan
    net[silent] = np.nan
    return National(
        group, names, baseline, target_admitted, target_net, admitted, net,
        half_ids(n_halves), direct_names(n_direct),
    )  # fmt: skip


def vn(x: float) -> str:
    """Write a whole number as the documents print it: 98.149, (1.689), empty when missing."""
    if x != x:  # NaN: not reported
        return ""
    n = int(x)
    text = f"{abs(n):,}".replace(",", ".")
    return f"({text})" if n < 0 else text


def _sum(a: np.ndarray) -> np.ndarray:
    """Column sums ignoring NaN (not reported); NaN when nothing in the column was reported."""
    out = np.nansum(a, axis=0)
    return np.where(np.isnan(a).all(axis=0), np.nan, out)


def table_lines(d: National) -> list[str]:
    """Return the table's text lines (tab-separated cells), titles first."""
    figs = np.column_stack(
        [d.baseline, d.target_admitted, d.target_net]
        + [c for k in range(len(d.halves)) for c in (d.admitted[:, k], d.net[:, k])]
    )
    head1 = ["TT", "Đơn vị", BASE_HEADER, TERM_HEADER, ""]
    head2 = ["", "", "", ADMITTED, NET]
    for h in d.halves:
        head1 += [half_header(h), ""]
        head2 += [ADMITTED, NET]
    lines = [
        "TỔNG LIÊN ĐOÀN LAO ĐỘNG VIỆT NAM (bảng giả lập để đo hiệu năng, không phải số liệu thật)",
        "BẢNG GIAO CHỈ TIÊU VÀ KẾT QUẢ PHÁT TRIỂN ĐOÀN VIÊN CÁC CÔNG ĐOÀN CƠ SỞ "
        "GIAI ĐOẠN 2024 - 2028",
        "",
        "\t".join(head1),
        "\t".join(head2),
    ]
    starts = np.flatnonzero(np.r_[True, d.group[1:] != d.group[:-1]])
    ends = np.r_[starts[1:], len(d.group)]
    for g, (a, b) in enumerate(zip(starts, ends, strict=True)):
        sub = _sum(figs[a:b])
        lines.append("\t".join([roman(g + 1), d.direct[g], *map(vn, sub)]))
        for k in range(a, b):
            row = figs[k]
            lines.append("\t".join([str(k - a + 1), d.names[k], *map(vn, row)]))
    total = _sum(figs)
    lines.append("\t".join(["", "<b>TỔNG CỘNG</b>", *(f"<b>{vn(v)}</b>" for v in total)]))
    lines += ["", "", "Ghi chú: ô để trống là đơn vị không báo cáo kỳ đó."]
    return lines


def card_text(plan_id: str, d: National) -> str:
    """Return the plan card of the generated table."""
    cols = [
        f"      - header: {BASE_HEADER}\n        kind: baseline\n        metric: members_total\n"
        f"        period: 2023-H2\n",
        f"      - header: [{TERM_HEADER}, {ADMITTED}]\n        kind: target\n"
        f"        metric: members_admitted\n        period: term\n",
        f"      - header: [{TERM_HEADER}, {NET}]\n        kind: target\n"
        f"        metric: members_net\n        period: term\n",
    ]
    for h in d.halves:
        for header, metric in ((ADMITTED, "members_admitted"), (NET, "members_net")):
            cols.append(
                f"      - header: [{half_header(h)}, {header}]\n        kind: actual\n"
                f"        metric: {metric}\n        period: {h}\n"
            )
    return f"""\
# Plan card of a SYNTHETIC national table made by bench/national.py (not real data).
plan_id: {plan_id}
title: Kế hoạch phát triển đoàn viên các công đoàn cơ sở giai đoạn 2024 - 2028 (giả lập)
issuer: Tổng Liên đoàn Lao động Việt Nam (giả lập)
issuer_short: TLĐ (giả lập)
level: national
document:
  number: 01/KH-TLĐ
  date: 2024-01-15
term:
  start: {TERM_START}-01-01
  end: {TERM_END}-12-31
half_years: calendar
demo: true
members_target: net
metrics: [members_net, members_admitted]
declared_totals:
  - metric: members_net
    period: term
    value: {int(d.target_net.sum())}
  - metric: members_admitted
    period: term
    value: {int(d.target_admitted.sum())}
sources:
  - file: {FILE}
    row_number: TT
    unit_name: Đơn vị
    columns:
{"".join(cols)}progress:
  on_track_ratio: 0.9
  half_year_targets: pro_rata_term
"""


def make_plan(
    root: Path,
    n_units: int,
    n_direct: int = 100,
    n_halves: int = 10,
    seed: int = 2026,
    plan_id: str | None = None,
) -> str:
    """Write the plan card and table of a synthetic national plan under `root`; return its id."""
    root = Path(root).resolve()
    if root == CHECKOUT or CHECKOUT in root.parents and "data" in root.relative_to(CHECKOUT).parts:
        raise ValueError(f"{root}: never write generated data into the checkout")
    plan_id = plan_id or f"quoc-gia-{n_units}"
    d = generate(n_units, n_direct, n_halves, seed)
    plans = root / "config" / "plans"
    raw = root / "data" / "raw" / plan_id
    for folder in (plans, raw, root / "data" / "processed", root / "reports"):
        folder.mkdir(parents=True, exist_ok=True)
    (plans / f"{plan_id}.yaml").write_text(card_text(plan_id, d), encoding="utf-8")
    (raw / FILE).write_text("\n".join(table_lines(d)) + "\n", encoding="utf-8")
    nb = root / "notebooks"
    if not nb.exists():
        os.symlink(CHECKOUT / "notebooks", nb, target_is_directory=True)
    return plan_id


def main(argv: list[str] | None = None) -> int:
    """Generate a plan from the command line and print its id."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", type=Path, help="project root to write into (used as PTDV_ROOT)")
    ap.add_argument("n_units", type=int, help="number of CĐCS")
    ap.add_argument("--direct", type=int, default=100, help="units directly under TLĐ")
    ap.add_argument("--halves", type=int, default=10, help="half-years of actuals (1-10)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--plan-id", default=None)
    a = ap.parse_args(argv)
    print(make_plan(a.root, a.n_units, a.direct, a.halves, a.seed, a.plan_id))
    return 0


if __name__ == "__main__":
    sys.exit(main())
