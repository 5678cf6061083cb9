"""What reading each file in a child process costs (`ledger_xl.io.isolated`), side by side.

    python bench/isolation.py [--rows 100000] [--keep PATH] [--repeat 3]

For one generated ledger, interleaved and repeated (medians printed):
- python-calamine's bare read of the sheets validation reads (the yardstick of PERF.md);
- validation in this process (`validate_book(read_book(path))`, as the commands did before
  they read in children: without the extent pre-scan a library caller gets) and through
  `validate_workbook` (a forked child; the findings come back as tuples);
- a portfolio (what `due`, `summarize` and `report` read) in this process (`from_books`) and
  through `app.portfolio.load` (a child per file; each file's typed tables come back).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import statistics
import tempfile
import time
from pathlib import Path

from validate_100k import AS_OF, bare_read, generate

from ledger_xl.app.portfolio import load
from ledger_xl.app.validate import validate_workbook
from ledger_xl.core.portfolio import from_books
from ledger_xl.core.validate import validate_book
from ledger_xl.io import isolated
from ledger_xl.io.read import read_book
from ledger_xl.io.xlsx.ledger import BuildOptions, build_ledger_workbook


@contextlib.contextmanager
def as_the_commands_read_before():
    """Reading in this process without the extent pre-scan (which only a process that is not
    an isolated child makes): what the commands did before they read in children."""
    isolated._IN_CHILD = True
    try:
        yield
    finally:
        isolated._IN_CHILD = False


def _here(action):
    def run():
        with as_the_commands_read_before():
            action()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="reuse or keep the generated workbook here")
    args = parser.parse_args()
    path = args.keep or Path(tempfile.mkdtemp(prefix="ledger_xl-bench-")) / "ledger.xlsx"
    if not path.exists():
        build_ledger_workbook(
            path, generate(args.rows), options=BuildOptions(spare_rows=0, cache_date=AS_OF)
        )
    steps = {
        "python-calamine bare read": lambda: bare_read(path),
        "validate, in this process": _here(lambda: validate_book(read_book(path), AS_OF)),
        "validate, in a child": lambda: validate_workbook(path, as_of=AS_OF),
        "portfolio, in this process": _here(
            lambda: from_books([read_book(path, formulas=False)], AS_OF)
        ),
        "portfolio, in a child": lambda: load([path], AS_OF),
    }
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(args.repeat):  # interleaved, so a change of load hits every step alike
        for name, step in steps.items():
            gc.collect()
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    median = {name: statistics.median(values) for name, values in times.items()}
    bare = median["python-calamine bare read"]
    for name, seconds in median.items():
        print(f"{name:28} {seconds:6.2f} s   {seconds / bare:4.2f}x the bare read")
    for what in ("validate", "portfolio"):
        child, here = median[f"{what}, in a child"], median[f"{what}, in this process"]
        print(f"{what}: the child costs {child - here:+.2f} s ({child / here:.2f}x)")
    print(f"(median of {args.repeat}, {dt.date.today().isoformat()}, {path})")


if __name__ == "__main__":
    main()
