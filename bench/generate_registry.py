#!/usr/bin/env python3
"""Write a synthetic registry of N entries for benchmarks, with a realistic mix:
every category, yearly and milestone observance, diplomatic partners, lunar
dates, dates known only to the month or year, document quotes and public
sources. Deterministic for a given N and seed.

Usage: python bench/generate_registry.py --entries 10000 --out /tmp/r10k/events.yaml
(the quoted document is written beside it as sources/doc.txt)."""

from __future__ import annotations

import argparse
import random
from pathlib import Path

CATEGORIES = ["historical", "holiday", "armed-forces", "borders-seas", "diplomatic", "documents"]
WEIGHTS = [30, 10, 10, 10, 30, 10]
COUNTRIES = [
    "SE",
    "BR",
    "MN",
    "SN",
    "MT",
    "CO",
    "GD",
    "SC",
    "NI",
    "VE",
    "WS",
    "SI",
    "MK",
    "HR",
    "PE",
    "SA",
    "SS",
    "FR",
    "DE",
    "JP",
    "KR",
    "IN",
    "AU",
    "US",
    "RU",
    "CU",
    "LA",
    "KH",
    "TH",
    "ID",
]
PLACES = [
    "Hà Nội",
    "Huế",
    "Đà Lạt",
    "Quảng Ngãi",
    "Lai Châu",
    "Điện Biên",
    "Cần Thơ",
    "Hải Phòng",
    "Lâm Đồng",
    "Tam Đường",
    "Bảo Lộc",
    "Sa Pa",
]


def entry(number: int, rng: random.Random, lines: list[str]) -> str:
    category = rng.choices(CATEGORIES, WEIGHTS)[0]
    place = rng.choice(PLACES)
    year = rng.randint(1890, 2020)
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    if rng.random() < 0.01:
        month, day = 2, 29
        year = rng.choice([1948, 1960, 1972, 1988, 2000, 2016])
    kind = rng.random()
    if kind < 0.03:
        when = f"    lunar: {{month: {rng.randint(1, 12)}, day: {rng.randint(1, 29)}, origin_year: {year}}}"
    elif kind < 0.06:
        when = f"    date: {year}"
    elif kind < 0.08:
        when = f'    date: "{year}-{month:02d}"'
    else:
        when = f"    date: {year}-{month:02d}-{day:02d}"
    observance = "milestones" if category == "diplomatic" or rng.random() < 0.5 else "yearly"
    quote = f"Kỷ niệm sự kiện số {number} tại {place}"
    lines.append(f"{quote} ({day}/{month}/{year}); ")
    country = f"\n    country: {rng.choice(COUNTRIES)}" if category == "diplomatic" else ""
    return (
        f"  - id: su-kien-{number}\n"
        f"    title:\n      vi: Sự kiện số {number} tại {place}\n"
        f"      en: event number {number} in {place}\n"
        f"{when}\n    category: {category}\n    observance: {observance}{country}\n"
        f'    sources:\n      - document: doc\n        quote: "{quote}"\n'
        f"      - url: https://example.org/su-kien/{number}\n        title: Nguồn công khai {number}\n"
    )


def generate(entries: int, out: Path, seed: int = 2024) -> Path:
    rng = random.Random(seed)
    lines: list[str] = []
    body = [entry(number, rng, lines) for number in range(1, entries + 1)]
    out.parent.mkdir(parents=True, exist_ok=True)
    (out.parent / "sources").mkdir(exist_ok=True)
    (out.parent / "sources" / "doc.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    head = (
        "version: 1\ndocuments:\n  - id: doc\n    number: 1-HD/BENCH\n    issuer: Ban thử nghiệm\n"
        "    date: 2024-01-12\n    title: Văn bản thử nghiệm\n    file: sources/doc.txt\nevents:\n"
    )
    out.write_text(head + "".join(body), encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    path = generate(args.entries, args.out, args.seed)
    print(f"wrote {path} ({args.entries} entries)")


if __name__ == "__main__":
    main()
