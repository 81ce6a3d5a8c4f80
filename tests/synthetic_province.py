"""A SYNTHETIC provincial table, made up for tests in the style of real ones (not real data).

A one-year plan (2026) inside a five-year congress term (1/12/2023 - 30/11/2028, statistical
half-years): for each unit its workers, the term's targets, the running totals of the term
so far ("Thực hiện giai đoạn 2023 – 2025 (tính đến ngày 30/11/2025)": admitted, lost, net,
unions founded, and the net as a percentage of the term target), then the year's targets and
an extra column no metric names. The figures were chosen by hand; every sum and percentage
below was computed by hand and is what the table prints.
"""

from __future__ import annotations

PLAN = "tinh-thu-2026"
FILE = "chi-tieu-2026.xlsx"
SHEET = "Biểu 01"
RUN_HEADER = "Thực hiện giai đoạn 2023 – 2025 (tính đến ngày 30/11/2025)"
TERM_HEADER = "Chỉ tiêu nhiệm kỳ 2023 – 2028"
YEAR_HEADER = "Chỉ tiêu giao năm 2026"

#: name, workers, term net, term unions, admitted, lost, net, unions, % printed,
#: 2026 net, 2026 unions, enterprises >= 25 workers without a union
UNITS = [
    ("LĐLĐ thành phố Thử", 52_400, 6_000, 40, 4_870, 1_215, 3_655, 22, "60,9", 1_300, 8, 35),
    ("LĐLĐ huyện Đông", 18_250, 2_500, 15, 1_320, 604, 716, 5, "28,6", 550, 3, 12),
    ("LĐLĐ huyện Tây", 9_870, 1_200, 10, 702, 235, 467, 4, "38,9", 260, 2, 8),
    # a negative net prints 0 % (the tables' convention)
    ("LĐLĐ thị xã Nam", 21_030, 3_000, 20, 1_540, 1_702, "(162)", 6, "0", 650, 4, 15),
    ("Công đoàn các Khu công nghiệp tỉnh", 96_500, 12_000, 60, 7_215, 2_034, 5_181, 31, "43,2",
     2_600, 12, 41),
    ("Công đoàn ngành Y tế", 6_120, 300, 0, 95, 41, 54, 0, "18,0", 60, 0, 0),
]  # fmt: skip
TOTALS = ("Tổng cộng", "204.170", "25.000", 145, "15.742", "5.831", "9.911", 68, "39,6",
          "5.420", 29, 111)  # fmt: skip

#: hand-computed: net to 30/11/2025 / term net target, and the elapsed share at that date
FEDERATION_NET = 9_911
FEDERATION_TERM = 25_000
FEDERATION_PCT = 9_911 / 25_000  # 39.644 %
ELAPSED = 4 / 10  # 2024-H1 .. 2025-H2 of ten half-years
#: hand-computed status of each unit's net against 40 % of its term target (on track >= 90 %)
STATUS = {
    "LĐLĐ thành phố Thử": "ahead",  # 3,655 / 2,400 = 1.52
    "LĐLĐ huyện Đông": "behind",  # 716 / 1,000 = 0.716
    "LĐLĐ huyện Tây": "on_track",  # 467 / 480 = 0.973
    "LĐLĐ thị xã Nam": "behind",  # -162 / 1,200 < 0
    "Công đoàn các Khu công nghiệp tỉnh": "ahead",  # 5,181 / 4,800 = 1.079
    "Công đoàn ngành Y tế": "behind",  # 54 / 120 = 0.45
}


def rows() -> list[list[object]]:
    """Return the sheet's cells, title lines first (row 1 first)."""
    head1 = ["TT", "Đơn vị", "Số CNLĐ", TERM_HEADER, None, RUN_HEADER, None, None, None, None,
             YEAR_HEADER, None, "Số DN có từ 25 LĐ trở lên chưa có CĐCS"]  # fmt: skip
    head2 = [None, None, None, "Tăng thêm ĐV", "CĐCS", "Kết nạp", "Giảm", "Tăng thêm", "CĐCS",
             "So chỉ tiêu giao (%)", "Tăng thêm ĐV", "CĐCS", None]  # fmt: skip
    out: list[list[object]] = [
        ["LIÊN ĐOÀN LAO ĐỘNG TỈNH THỬ (bảng giả lập để kiểm thử)"],
        ["BIỂU GIAO CHỈ TIÊU PHÁT TRIỂN ĐOÀN VIÊN, THÀNH LẬP CĐCS NĂM 2026"],
        [None],
        head1,
        head2,
    ]
    for k, u in enumerate(UNITS, start=1):
        out.append([k, *u])
    out.append([None, *TOTALS])
    out.append([None])
    out.append([None, "Ghi chú: số liệu thực hiện là số lũy kế từ đầu nhiệm kỳ."])
    return out


#: Merged header cells (Excel ranges) over the rows above.
MERGED = ["A4:A5", "B4:B5", "C4:C5", "D4:E4", "F4:J4", "K4:L4", "M4:M5"]


def card(info: bool = True) -> str:
    """Return the plan card an analyst writes for the table (after `ptdv inspect`)."""
    text = f"""\
plan_id: {PLAN}
title: Kế hoạch phát triển đoàn viên, thành lập CĐCS năm 2026 (giả lập)
issuer: Liên đoàn Lao động tỉnh Thử
issuer_short: LĐLĐ tỉnh Thử
level: province
document:
  number: 01/KH-LĐLĐ
  date: 2026-01-10
term:
  start: 2023-12-01
  end: 2028-11-30
half_years: statistical
demo: false
members_target: net
metrics: [members_net, unions_founded]
declared_totals:
  - metric: members_net
    period: term
    value: 25000
sources:
  - file: {FILE}
    sheet: {SHEET}
    columns:
      - header: Số CNLĐ
        kind: baseline
        metric: workers
        period: 2025-H2
      - header: [{TERM_HEADER}, Tăng thêm ĐV]
        kind: target
        metric: members_net
        period: term
      - header: [{TERM_HEADER}, CĐCS]
        kind: target
        metric: unions_founded
        period: term
      - header: [{RUN_HEADER}, Kết nạp]
        kind: actual
        cumulative: true
        metric: members_admitted
        period: 2025-H2
      - header: [{RUN_HEADER}, Giảm]
        kind: actual
        cumulative: true
        metric: members_lost
        period: 2025-H2
      - header: [{RUN_HEADER}, Tăng thêm]
        kind: actual
        cumulative: true
        metric: members_net
        period: 2025-H2
        rule:
          difference: [members_admitted@to-2025-H2, members_lost@to-2025-H2]
      - header: [{RUN_HEADER}, CĐCS]
        kind: actual
        cumulative: true
        metric: unions_founded
        period: 2025-H2
      - header: [{RUN_HEADER}, So chỉ tiêu giao (%)]
        kind: derived
        id: net-pct-of-term
        metric: members_net
        period: term
        rule:
          percent: [members_net@to-2025-H2, members_net@term]
      - header: [{YEAR_HEADER}, Tăng thêm ĐV]
        kind: target
        metric: members_net
        period: "2026"
      - header: [{YEAR_HEADER}, CĐCS]
        kind: target
        metric: unions_founded
        period: "2026"
"""
    if info:
        text += """\
      - header: Số DN có từ 25 LĐ trở lên chưa có CĐCS
        kind: info
        name: Doanh nghiệp từ 25 lao động chưa có CĐCS
"""
    return text
