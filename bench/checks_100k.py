"""Time each of validate's checks on one ledger, in this process: read once, then every check
N times (a fresh `CheckContext` each round), medians; beside the bare python-calamine read.

    python bench/checks_100k.py [--ledger PATH] [--repeat 3] [--as-of 2026-11-23]
    python bench/checks_100k.py --code /tmp/before --code . [--repeat 3] [--rounds 2] [--cpu]

The ledger defaults to bench/run.py's cached 100,000-row ledger (built when missing). With
`--code DIR` (given more than once), each tree's ledger_xl is timed in its own child (DIR first
on PYTHONPATH), the trees taking turns `--rounds` times in the same run, and the table shows
them side by side (medians over all their rounds); the bare read is measured in each child,
next to that child's own read. `--cpu` times the process's CPU instead of the wall clock.
Each child also prints a digest of its findings (every field, in order), so that two trees
whose results differ are seen at once.

`--roundtrip` times the checks on `pickle.loads(pickle.dumps(book))`: the same values, but
each column's objects allocated one after the other. python-calamine builds the cells row by
row, so a column's objects are spread over the whole sheet's memory; on the 100k ledger the
checks took about half the time on the round-tripped copy (2026-11-30 evening, bench/README).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import json
import os
import pickle
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
AS_OF = "2026-11-23"


def default_ledger(rows: int) -> Path:
    sys.path.insert(0, str(HERE))
    import run  # bench/run.py: the one generator and its cache

    cache = HERE / ".cache" / run.cache_key()
    cache.mkdir(parents=True, exist_ok=True)
    return run.ensure_ledger(cache, rows)


def bare_read(path: Path) -> None:
    from python_calamine import CalamineWorkbook

    from ledger_xl.core import layout

    book = CalamineWorkbook.from_path(str(path))
    for name in (
        layout.SHEET_LEDGER,
        *layout.RULE_SHEETS,
        layout.SHEET_CREDENTIALS,
        layout.SHEET_REVIEWS,
    ):
        if name in book.sheet_names:
            book.get_sheet_by_name(name).to_python(skip_empty_area=False)


def measure(
    path: Path, repeat: int, as_of: dt.date, clock=time.perf_counter, roundtrip: bool = False
) -> dict:
    """One tree (whatever `ledger_xl` imports here): seconds per check per round (`clock`:
    wall clock, or this process's CPU time, which a loaded machine disturbs less)."""
    os.environ["LEDGER_XL_ISOLATE"] = "0"
    from ledger_xl.core.checks import CHECKS, CheckContext
    from ledger_xl.core.defaults import DEFAULT_RULES
    from ledger_xl.io import isolated
    from ledger_xl.io.read import read_book

    isolated._IN_CHILD = True  # read as a command's reading child does (no extent pre-scan)
    times: dict[str, list[float]] = {"calamine": [], "read_book": []}
    start = clock()
    bare_read(path)
    times["calamine"].append(clock() - start)
    start = clock()
    book = read_book(path)
    book.settle()
    book.formulas()
    times["read_book"].append(clock() - start)
    if roundtrip:  # the same values, laid out column by column in memory (see --roundtrip)
        start = clock()
        book = pickle.loads(pickle.dumps(book, protocol=pickle.HIGHEST_PROTOCOL))
        times["pickle round trip"] = [clock() - start]
    gc.collect()
    gc.freeze()  # as app/validate does: the book's cells are not walked by every collection
    digest = ""
    found = 0
    for _ in range(repeat):
        ctx = CheckContext(book, as_of, standard=DEFAULT_RULES)
        ctx.findings.extend(book.findings)
        total = clock()
        for check in CHECKS:
            start = clock()
            check(ctx)
            times.setdefault(check.__name__, []).append(clock() - start)
        times.setdefault("checks", []).append(clock() - total)
        text = json.dumps(
            [f.model_dump(mode="json") for f in ctx.findings], ensure_ascii=False, sort_keys=True
        )
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        found = len(ctx.findings)
    gc.unfreeze()
    for _ in range(max(repeat - 1, 0)):  # the bare read again, between the rounds' end and now
        start = clock()
        bare_read(path)
        times["calamine"].append(clock() - start)
    import ledger_xl

    return {
        "code": str(Path(ledger_xl.__file__).parent.parent),
        "findings": found,
        "digest": digest,
        "times": times,
    }


def table(results: list[dict]) -> str:
    names = list(results[0]["times"])
    for result in results[1:]:
        names += [n for n in result["times"] if n not in names]
    width = max(len(n) for n in names) + 2
    lines = ["".ljust(width) + "".join(f"{Path(r['code']).name[-14:]:>16}" for r in results)]
    for name in names:
        cells = []
        for result in results:
            values = result["times"].get(name)
            cells.append(f"{statistics.median(values):15.2f}s" if values else " " * 16)
        lines.append(name.ljust(width) + "".join(cells))
    for label, key in (("findings", "findings"), ("digest", "digest")):
        lines.append(label.ljust(width) + "".join(f"{r[key]!s:>16}" for r in results))
    for label, over in (("checks / calamine", "checks"), ("read+checks / calamine", None)):
        cells = []
        for r in results:
            bare = statistics.median(r["times"]["calamine"])
            checks = statistics.median(r["times"]["checks"])
            seconds = checks if over else checks + statistics.median(r["times"]["read_book"])
            cells.append(f"{seconds / bare:15.2f}×")
        lines.append(label.ljust(width) + "".join(cells))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ledger", type=Path, help="default: bench/run.py's cached ledger")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--as-of", default=AS_OF)
    parser.add_argument("--code", action="append", type=Path, default=[])
    parser.add_argument(
        "--rounds", type=int, default=1, help="with --code: the trees take turns this often"
    )
    parser.add_argument(
        "--roundtrip",
        action="store_true",
        help="time the checks on a pickled and unpickled copy of the book",
    )
    parser.add_argument(
        "--cpu", action="store_true", help="CPU time of the process instead of the wall clock"
    )
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # child mode
    args = parser.parse_args()
    path = args.ledger or default_ledger(args.rows)
    as_of = dt.date.fromisoformat(args.as_of)
    clock = time.process_time if args.cpu else time.perf_counter
    if args.json:
        print(json.dumps(measure(path, args.repeat, as_of, clock, args.roundtrip)))
        return 0
    if not args.code:
        print(table([measure(path, args.repeat, as_of, clock, args.roundtrip)]))
        return 0
    results: list[dict] = []
    for round_ in range(args.rounds):  # the trees take turns: a load that comes and goes
        for k, code in enumerate(args.code):  # falls on each of them
            env = dict(os.environ, PYTHONPATH=str(code.resolve()))
            command = [sys.executable, __file__, "--json", "--ledger", str(path)]
            command += ["--repeat", str(args.repeat), "--as-of", args.as_of]
            command += ["--cpu"] if args.cpu else []
            command += ["--roundtrip"] if args.roundtrip else []
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
            result = json.loads(done.stdout.strip().splitlines()[-1])
            if round_ == 0:
                results.append(result)
            else:
                for name, seconds in result["times"].items():
                    results[k]["times"].setdefault(name, []).extend(seconds)
                if result["digest"] != results[k]["digest"]:
                    results[k]["digest"] = "differs by round"
            print(f"round {round_ + 1}: {code} done", file=sys.stderr, flush=True)
    print(f"$ python bench/checks_100k.py {' '.join(sys.argv[1:])}")
    print(table(results))
    what = "CPU seconds" if args.cpu else "seconds"
    rounds = f"{args.rounds} rounds × {args.repeat}" if args.code else str(args.repeat)
    print(f"\n{path.name}, as of {args.as_of}, {what}, median of {rounds}")
    print(time.strftime("%F %H:%M"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
