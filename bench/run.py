"""One benchmark for HQ scale: every ledger_xl command next to the bare baseline it rests on.

    python bench/run.py            # 100,000 and 300,000 rows, 200 branch files (≈ 20 min)
    python bench/run.py --quick    # 5,000 rows, 20 branch files, 1 round (≈ 2 min once cached)
    python bench/run.py --rows 20000 --only validate   # another size, some operations
    python bench/run.py --only validate due --repeat 5

The inputs are generated once and cached (bench/.cache/, or --cache DIR): a ledger of N
customers made of the demo's customers repeated with fresh IDs, with their 资信证明 and
审核记录 rows; the same customers as a CSV for `new --from`; and a folder of small branch
workbooks for the batch runs.

Each measurement runs in a fresh child process (its peak memory is the largest process's
maximum resident set, from wait4; "sum MB" the most its whole process tree held at once,
sampled from /proc), and the operations are interleaved round by round, so a change in
machine load hits an operation and its baseline alike. The table gives, per operation, the
median seconds over the rounds, rows per second, peak memory, and the ratio to its baseline
measured in the same run (the slow references and the two branch commands, minutes each at
100,000 rows, run in the first round only: marked "1 round"):

- the readers: python-calamine reading the sheets a command reads (values with real types),
  fastexcel reading the ledger sheet, openpyxl read-only iterating it;
- the writer: XlsxWriter in constant-memory mode writing the same cells and formulas as
  `new` (what any builder must at least do);
- frictionless-py validating a 10,000-row CSV with an equivalent schema (a peer, for scale);
- python-calamine reading the branch files' sheets in one process and split over two: what a
  second core gives this machine in this run, the ceiling of the `--jobs 2` target (a load
  elsewhere on the machine lowers both; a job at nice 19 in a session of its own still
  competes as an equal: Linux autogroup, see tests/README.md, "Mutation testing");
- `validate --jobs 2` against `--jobs 1`, 300k rows against 100k, `ledger-xl --help` and
  `import ledger_xl.udfs` against their absolute targets.

Optional baselines (fastexcel, frictionless) are skipped with a note when not installed
(`pip install -e ".[bench]"`). Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-23"
CLI = [sys.executable, "-c", "from ledger_xl.cli import main; main()"]


# ---------------------------------------------------------------- inputs


def generate(rows: int):
    """The demo's customers repeated to `rows`, with their documents and reviews, each block
    with fresh customer IDs (in the ledger's format) and USCCs; a business licence that
    carried the customer's USCC carries the new one (a planted mismatch stays a mismatch)."""
    import pandas as pd

    from ledger_xl.app.demo_data import generate_demo
    from ledger_xl.core.identifiers import uscc_check_char
    from ledger_xl.io.xlsx.ledger import LedgerContent

    demo = generate_demo(n_customers=400, as_of=dt.date.fromisoformat(AS_OF))
    base, docs, reviews = demo.ledger, demo.credentials, demo.reviews
    blocks = -(-rows // len(base))
    ledgers, credential_parts, review_parts = [], [], []
    old_uscc = dict(zip(base["customer_id"], base["uscc"], strict=True))
    for b in range(blocks):
        block = base.copy()
        numbers = range(b * len(base), (b + 1) * len(base))
        ids = [
            f"{str(old)[:2]}{n:06d}" if isinstance(old, str) and old else old
            for old, n in zip(block["customer_id"], numbers, strict=True)
        ]
        firsts = [f"913101{n:08d}MA1"[:17] for n in numbers]
        usccs = [first + uscc_check_char(first) for first in firsts]
        ids_of = dict(zip(block["customer_id"], ids, strict=True))
        uscc_of = dict(zip(block["customer_id"], usccs, strict=True))
        block["customer_id"], block["uscc"] = ids, usccs
        ledgers.append(block)
        part = docs.copy()
        licence = (part["doc_type"] == "营业执照") & (
            part["doc_number"] == part["customer_id"].map(old_uscc)
        )
        part.loc[licence, "doc_number"] = part.loc[licence, "customer_id"].map(uscc_of)
        part["customer_id"] = part["customer_id"].map(ids_of)
        credential_parts.append(part)
        part = reviews.copy()
        part["review_id"] = [
            f"{ids_of.get(c, c)}{str(r)[len(str(c)) :]}" if str(r).startswith(str(c)) else r
            for r, c in zip(part["review_id"], part["customer_id"], strict=True)
        ]
        part["customer_id"] = part["customer_id"].map(ids_of)
        review_parts.append(part)
    ledger = pd.concat(ledgers, ignore_index=True).iloc[:rows]
    kept = set(ledger["customer_id"])
    credentials = pd.concat(credential_parts, ignore_index=True)
    credentials = credentials[credentials["customer_id"].isin(kept)]
    review_rows = pd.concat(review_parts, ignore_index=True)
    review_rows = review_rows[review_rows["customer_id"].isin(kept)]
    return LedgerContent(
        ledger.reset_index(drop=True),
        credentials.reset_index(drop=True),
        review_rows.reset_index(drop=True),
    )


def cache_key() -> str:
    """What the cached inputs depend on: the template version, the generator (this module's
    input functions), the demo data it repeats and the builder that writes them (a change in
    how cells are written, e.g. shared formulas, changes what the readers parse). A change to
    any of them means new inputs, so a stale ledger is never measured."""
    import hashlib
    import inspect

    from ledger_xl.app import demo_data
    from ledger_xl.core.layout import TEMPLATE_VERSION

    digest = hashlib.sha256(TEMPLATE_VERSION.encode())
    for function in (generate, ensure_ledger, ensure_csv, ensure_branches, ensure_distributed):
        digest.update(inspect.getsource(function).encode())
    digest.update(Path(demo_data.__file__).read_bytes())
    for part in ("io/xlsx/kit.py", "io/xlsx/ledger.py"):
        digest.update((ROOT / "ledger_xl" / part).read_bytes())
    return f"t{TEMPLATE_VERSION}-{digest.hexdigest()[:12]}"


def ensure_ledger(cache: Path, rows: int) -> Path:
    from ledger_xl.io.xlsx.ledger import BuildOptions, build_ledger_workbook

    path = cache / f"ledger_{rows}.xlsx"
    if not path.exists():
        start = time.perf_counter()
        content = generate(rows)
        build_ledger_workbook(
            path,
            content,
            options=BuildOptions(spare_rows=0, cache_date=dt.date.fromisoformat(AS_OF)),
        )
        print(f"  built {path.name} in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return path


def ensure_csv(cache: Path, rows: int) -> Path:
    from ledger_xl.core.defaults import DEFAULT_RULES

    path = cache / f"customers_{rows}.csv"
    if not path.exists():
        content = generate(rows)
        inputs = [f for f in DEFAULT_RULES.fields if f.is_input]
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([f.header for f in inputs])
            for row in content.ledger[[f.key for f in inputs]].itertuples(index=False):
                writer.writerow(["" if _blank(v) else _csv_text(v) for v in row])
        print(f"  wrote {path.name}", file=sys.stderr)
    return path


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _csv_text(value) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def ensure_branches(cache: Path, files: int, rows: int) -> Path:
    from ledger_xl.io.xlsx.ledger import BuildOptions, LedgerContent, build_ledger_workbook

    folder = cache / f"branches_{files}x{rows}"
    if folder.exists() and len(list(folder.glob("*.xlsx"))) == files:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    content = generate(files * rows)
    start = time.perf_counter()
    for k in range(files):
        ledger = content.ledger.iloc[k * rows : (k + 1) * rows].reset_index(drop=True)
        ids = set(ledger["customer_id"])
        part = LedgerContent(
            ledger,
            content.credentials[content.credentials["customer_id"].isin(ids)],
            content.reviews[content.reviews["customer_id"].isin(ids)],
        )
        target = folder / f"branch_{k:03d}.xlsx"
        if not target.exists():
            build_ledger_workbook(
                target,
                part,
                options=BuildOptions(spare_rows=0, cache_date=dt.date.fromisoformat(AS_OF)),
            )
    print(f"  built {files} branch files in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return folder


def ensure_distributed(cache: Path, ledger: Path) -> Path:
    """The ledger distributed to its branches once (the input of `collect`)."""
    folder = cache / f"distributed_{ledger.stem}"
    if not (folder / "分发清单.json").exists():
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run(
            [*CLI, "distribute", str(ledger), "--out", str(folder), "--force"],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return folder


def report_customer(path: Path) -> str:
    from python_calamine import CalamineWorkbook

    grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("台账").to_python()
    return str(grid[3][0])


# ---------------------------------------------------------------- what runs in a child


SHEETS = ("台账", "资信证明", "审核记录", "填报规则", "评分标准", "审核周期")

BASELINES = {
    "calamine": (
        "from python_calamine import CalamineWorkbook\n"
        "import sys\n"
        "book = CalamineWorkbook.from_path(sys.argv[1])\n"
        f"for name in {SHEETS!r}:\n"
        "    if name in book.sheet_names:\n"
        "        book.get_sheet_by_name(name).to_python(skip_empty_area=False)\n"
    ),
    # the batch's bare read: every branch file's sheets with python-calamine, the files split
    # over argv[2] processes (the machine's own speedup from a second core, in the same run)
    "calamine batch": (
        "import sys, os, glob\n"
        "from concurrent.futures import ProcessPoolExecutor\n"
        "from python_calamine import CalamineWorkbook\n"
        "def read(paths):\n"
        "    for path in paths:\n"
        "        book = CalamineWorkbook.from_path(path)\n"
        f"        for name in {SHEETS!r}:\n"
        "            if name in book.sheet_names:\n"
        "                book.get_sheet_by_name(name).to_python(skip_empty_area=False)\n"
        "paths = sorted(glob.glob(os.path.join(sys.argv[1], '*.xlsx')))\n"
        "jobs = int(sys.argv[2])\n"
        "if __name__ == '__main__':\n"
        "    if jobs == 1:\n"
        "        read(paths)\n"
        "    else:\n"
        "        import multiprocessing\n"
        "        with ProcessPoolExecutor(jobs, multiprocessing.get_context('fork')) as pool:\n"
        "            list(pool.map(read, [paths[i::jobs] for i in range(jobs)]))\n"
    ),
    "fastexcel": (
        "import fastexcel, sys\n"
        "reader = fastexcel.read_excel(sys.argv[1])\n"
        # the sheet is read into Arrow memory by the load; converting it to a pyarrow table
        # (which needs pyarrow) is not part of reading
        "print(reader.load_sheet_by_name('台账', header_row=2).height)\n"
    ),
    "openpyxl": (
        "import openpyxl, sys\n"
        "wb = openpyxl.load_workbook(sys.argv[1], read_only=True)\n"
        "for row in wb['台账'].iter_rows(values_only=True):\n"
        "    pass\n"
    ),
    "xlsxwriter": (
        "import sys\n"
        "sys.path.insert(0, sys.argv[3])\n"
        "from bench.run import bare_write\n"
        "bare_write(sys.argv[1], sys.argv[2])\n"
    ),
    "frictionless": (
        "import sys\n"
        "sys.path.insert(0, sys.argv[2])\n"
        "from bench.run import frictionless_validate\n"
        "frictionless_validate(sys.argv[1])\n"
    ),
}


def bare_write(csv_path: str, target: str) -> None:
    """XlsxWriter alone, constant-memory mode, writing the cells `new` writes: every input
    value of the CSV as typed text/number/date and the seven formula columns' formulas."""
    import xlsxwriter
    import xlsxwriter.worksheet

    from ledger_xl.core import formulas
    from ledger_xl.core.defaults import DEFAULT_RULES

    class Worksheet(xlsxwriter.worksheet.Worksheet):
        # Each distinct formula text is prepared once (XlsxWriter scans every formula with
        # ~30 regular expressions): the obvious saving any builder makes, so the baseline is
        # the cost of writing the cells, not of re-scanning the same text.
        def _prepare_formula(self, formula, expand_future_functions=False):
            cache = self.__dict__.setdefault("_cache", {})
            key = (formula, expand_future_functions)
            if key not in cache:
                cache[key] = super()._prepare_formula(formula, expand_future_functions)
            return cache[key]

    class Workbook(xlsxwriter.Workbook):
        worksheet_class = Worksheet

    fields = DEFAULT_RULES.fields
    texts = formulas.ledger_formulas(DEFAULT_RULES)
    wb = Workbook(target, {"constant_memory": True, "strings_to_numbers": False})
    ws = wb.add_worksheet("台账")
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    for col, f in enumerate(fields):
        ws.write_string(2, col, f.header)
    with open(csv_path, encoding="utf-8") as handle:
        reader = csv.reader(handle)
        headers = next(reader)
        where = {h: i for i, h in enumerate(headers)}
        for r, row in enumerate(reader, start=3):
            for col, f in enumerate(fields):
                if not f.is_input:
                    ws.write_formula(r, col, texts[f.key], None, "")
                    continue
                value = row[where[f.header]] if f.header in where else ""
                if not value:
                    continue
                if f.type.value in ("数值", "评分"):
                    try:
                        ws.write_number(r, col, float(value))
                    except ValueError:
                        ws.write_string(r, col, value)
                elif f.type.value == "日期":
                    try:
                        day = dt.datetime.fromisoformat(value)
                        ws.write_datetime(r, col, day, date_format)
                    except ValueError:
                        ws.write_string(r, col, value)
                else:
                    ws.write_string(r, col, value)
    wb.close()


def frictionless_validate(csv_path: str) -> None:
    """frictionless-py over the CSV with a schema like the ledger's input rules."""
    from frictionless import Resource, Schema, fields, validate

    from ledger_xl.core.defaults import DEFAULT_RULES

    kinds = {"数值": fields.NumberField, "评分": fields.NumberField, "日期": fields.DateField}
    schema = Schema()
    for f in DEFAULT_RULES.fields:
        if not f.is_input:
            continue
        field_type = kinds.get(f.type.value, fields.StringField)
        constraints = {}
        if f.required:
            constraints["required"] = True
        if f.allowed:
            constraints["enum"] = list(f.allowed)
        if f.minimum is not None:
            constraints["minimum"] = f.minimum
        if f.maximum is not None:
            constraints["maximum"] = f.maximum
        if f.key == "customer_id":
            constraints["unique"] = True
        schema.add_field(field_type(name=f.header, constraints=constraints))
    report = validate(Resource(csv_path, schema=schema), limit_errors=10**9)
    print(len(report.flatten(["type"])))


# ---------------------------------------------------------------- measuring


@dataclass
class Operation:
    name: str
    rows: int
    command: list[str]
    baseline: str | None = None  # the name of another operation
    target: str = ""  # what the ratio is compared with, in words
    once: bool = False  # slow reference: one round only
    exits: tuple[int, ...] = (0,)  # exit codes that mean it ran (validate: 1 = findings)
    speedup: bool = False  # ratio as baseline / this (how many times faster)
    times: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)
    sums: list[float] = field(default_factory=list)  # the process tree's summed peak
    failed: str = ""


def run_child(command: list[str], env: dict[str, str]) -> tuple[float, float, float, int, str]:
    """(seconds, peak MB, summed peak MB, exit code, stderr tail) of one child process. The
    peak is the largest single process's (the child or one of its own children: wait4's
    maximum resident set); the summed peak is the most its whole process tree held at once
    (the processes' proportional set sizes, sampled once a second — reading a big process's
    smaps_rollup takes ~20 ms of kernel time, about 2% of a core; 0 where /proc does not
    tell): a command that works in two processes at once holds their sum."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT
    )
    sampler = _TreeMemory(process.pid)
    sampler.start()
    stderr = process.stderr.read() if process.stderr else b""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    sampler.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    tail = stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
    return seconds, usage.ru_maxrss / 1024, sampler.peak_mb, process.returncode, " | ".join(tail)


class _TreeMemory(threading.Thread):
    """The most memory a process and its descendants held at once: their Pss summed, every
    `interval` seconds, from /proc (Linux)."""

    def __init__(self, pid: int, interval: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak_mb = pid, interval, 0.0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(self.interval):
            self.peak_mb = max(self.peak_mb, _pss_mb(_descendants(self.pid)))

    def stop(self) -> None:
        self._done.set()
        self.join()


def _descendants(pid: int) -> list[int]:
    """`pid` and every process below it."""
    children: dict[int, list[int]] = {}
    with contextlib.suppress(OSError):
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as stat:
                    data = stat.read()
            except OSError:
                continue
            parent = int(data[data.rindex(b")") + 2 :].split()[1])
            children.setdefault(parent, []).append(int(entry))
    tree, i = [pid], 0
    while i < len(tree):
        tree.extend(children.get(tree[i], []))
        i += 1
    return tree


def _pss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                total += next(int(line.split()[1]) for line in rollup if line.startswith("Pss:"))
        except (OSError, StopIteration, ValueError):
            continue
    return total / 1024


def has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def has_command(name: str) -> bool:
    done = subprocess.run([*CLI, name, "--help"], capture_output=True, cwd=ROOT)
    return done.returncode == 0


def prepare(args, cache: Path) -> dict[str, str]:
    """Generate (or find in the cache) every input; returns their paths."""
    small, large = sizes(args)
    files, per_file = batch(args)
    paths = {
        "ledger": ensure_ledger(cache, small),
        "table": ensure_csv(cache, small),
        "branches": ensure_branches(cache, files, per_file),
        "few": ensure_csv(cache, 10_000),
    }
    if has_command("collect"):
        paths["distributed"] = ensure_distributed(cache, paths["ledger"])
    if (not args.quick or args.large) and not args.no_large:
        with _fitting_sheets():
            paths["big"] = ensure_ledger(cache, large)
    paths["customer"] = report_customer(paths["ledger"])
    return {k: str(v) for k, v in paths.items()}


@contextlib.contextmanager
def _fitting_sheets():
    """At 3.9 documents a customer, 300,000 customers' 资信证明 would pass the 1,048,576 rows
    of a sheet, which the builder refuses. Builds in this block leave out the last customers'
    documents and reviews (they are then reported as missing: more findings, a little more
    work for validate)."""
    plain = globals()["generate"]

    def fitting(rows: int):
        content = plain(rows)
        for name in ("credentials", "reviews"):
            frame = getattr(content, name)
            setattr(content, name, frame.iloc[:SHEET_ROWS].reset_index(drop=True))
        return content

    globals()["generate"] = fitting
    try:
        yield
    finally:
        globals()["generate"] = plain


SHEET_ROWS = 1_048_000  # side-table rows a sheet holds (1,048,576 less the title and header)


def sizes(args) -> tuple[int, int]:
    if args.rows:
        return args.rows, 3 * args.rows
    return (5_000, 15_000) if args.quick else (100_000, 300_000)


def batch(args) -> tuple[int, int]:
    """(files, rows per file) of the branch batch."""
    return (20, 1_000) if args.quick else (200, 1_000)


def operations(args, cache: Path, inputs: dict[str, str]) -> list[Operation]:
    small, large = sizes(args)
    files, per_file = batch(args)
    ledger, table, branches, few = (Path(inputs[k]) for k in ("ledger", "table", "branches", "few"))
    big = Path(inputs["big"]) if "big" in inputs else None
    out = cache / "out"
    out.mkdir(exist_ok=True)
    customer = inputs["customer"]
    py = [sys.executable, "-c"]
    ops = [
        Operation("calamine", small, [*py, BASELINES["calamine"], str(ledger)]),
        Operation(
            "validate",
            small,
            [*CLI, "validate", str(ledger), "--format", "json", "--as-of", AS_OF],
            "calamine",
            "≤ 1.5× calamine",
            exits=(0, 1),
        ),
        Operation(
            "due",
            small,
            [*CLI, "due", str(ledger), "--format", "json", "--as-of", AS_OF],
            "calamine",
            "≤ 1.5× calamine",
        ),
        Operation(
            "due (terminal)",
            small,
            [*CLI, "due", str(ledger), "--as-of", AS_OF],
            "calamine",
            "≤ 1.5× calamine",
        ),
        Operation(
            "summarize -o",
            small,
            [
                *CLI,
                "summarize",
                str(ledger),
                "--as-of",
                AS_OF,
                "-o",
                str(out / "s.xlsx"),
                "--force",
            ],
            "calamine",
            "≤ 1.5× calamine",
        ),
        Operation(
            "report",
            small,
            [
                *CLI,
                "report",
                str(ledger),
                "--customer",
                customer,
                "--as-of",
                AS_OF,
                "-o",
                str(out / "r.xlsx"),
                "--force",
            ],
            "calamine",
            "≤ 1.5× calamine",
        ),
        Operation(
            "xlsxwriter bare",
            small,
            [*py, BASELINES["xlsxwriter"], str(table), str(out / "bare.xlsx"), str(ROOT)],
        ),
        Operation(
            "new --from",
            small,
            [*CLI, "new", "--from", str(table), "-o", str(out / "new.xlsx"), "--force"],
            "xlsxwriter bare",
            "≤ 1.2× XlsxWriter",
        ),
        Operation(
            "calamine batch ×1",
            files * per_file,
            [*py, BASELINES["calamine batch"], str(branches), "1"],
        ),
        Operation(
            "calamine batch ×2",
            files * per_file,
            [*py, BASELINES["calamine batch"], str(branches), "2"],
            "calamine batch ×1",
            "what the machine gives: the --jobs 2 target's ceiling now",
            speedup=True,
        ),
        Operation(
            "validate --jobs 1",
            files * per_file,
            [*CLI, "validate", str(branches), "--format", "json", "--jobs", "1", "--as-of", AS_OF],
            exits=(0, 1),
        ),
        Operation(
            "validate --jobs 2",
            files * per_file,
            [*CLI, "validate", str(branches), "--format", "json", "--jobs", "2", "--as-of", AS_OF],
            "validate --jobs 1",
            "≥ 1.8× faster than --jobs 1",
            exits=(0, 1),
            speedup=True,
        ),
        Operation("ledger-xl --help", 0, [*CLI, "--help"], None, "≤ 0.3 s"),
    ]
    if has_module("ledger_xl.udfs"):
        ops.append(
            Operation("import ledger_xl.udfs", 0, [*py, "import ledger_xl.udfs"], None, "≤ 1 s")
        )
    if has_command("distribute") and has_command("collect"):
        ops.append(
            Operation(
                "distribute",
                small,
                [
                    *CLI,
                    "distribute",
                    str(ledger),
                    "--out",
                    str(out / "dist"),
                    "--force",
                ],
                "xlsxwriter bare",
                "≤ 1.2× XlsxWriter",
                once=True,
            )
        )
    if "distributed" in inputs:
        ops.append(
            Operation(
                "collect",
                small,
                [
                    *CLI,
                    "collect",
                    inputs["distributed"],
                    "--into",
                    str(ledger),
                    "-o",
                    str(out / "collected.xlsx"),
                    "--archive",
                    str(out / "archive"),
                    "--as-of",
                    AS_OF,
                    "--force",
                ],
                "xlsxwriter bare",
                "≤ 1.2× XlsxWriter",
                exits=(0, 1),
                once=True,
            )
        )
    if has_module("fastexcel"):
        ops.append(Operation("fastexcel", small, [*py, BASELINES["fastexcel"], str(ledger)]))
    if has_module("frictionless"):
        ops.append(
            Operation(
                "frictionless 10k CSV",
                10_000,
                [*py, BASELINES["frictionless"], str(few), str(ROOT)],
                once=True,
            )
        )
    ops.append(
        Operation("openpyxl read-only", small, [*py, BASELINES["openpyxl"], str(ledger)], once=True)
    )
    if big is not None:
        ops += [
            Operation(
                "calamine large",
                large,
                [*py, BASELINES["calamine"], str(big)],
            ),
            Operation(
                "validate large",
                large,
                [*CLI, "validate", str(big), "--format", "json", "--as-of", AS_OF],
                "validate",
                "≤ 3.1× the smaller ledger",
                exits=(0, 1),
            ),
        ]
    wanted = set(args.only or [])
    if wanted:
        keep = {o.name for o in ops if any(w in o.name for w in wanted)}
        keep |= {o.baseline for o in ops if o.name in keep and o.baseline}
        ops = [o for o in ops if o.name in keep]
    return ops


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small inputs, about two minutes")
    parser.add_argument("--large", action="store_true", help="with --quick: also the large ledger")
    parser.add_argument("--no-large", action="store_true", help="leave out the large ledger")
    parser.add_argument("--repeat", type=int, help="rounds, median reported (default 3; 1 --quick)")
    parser.add_argument("--rows", type=int, help="ledger rows instead of 100,000 (large: 3×)")
    parser.add_argument("--cache", type=Path, default=ROOT / "bench" / ".cache")
    parser.add_argument("--only", nargs="*", help="operations whose name contains these words")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.repeat = args.repeat or (1 if args.quick else 3)
    args.cache.mkdir(parents=True, exist_ok=True)
    if args.prepare_only:  # in a child, so the measuring parent stays small
        cache = args.cache / cache_key()
        cache.mkdir(parents=True, exist_ok=True)
        print(json.dumps(prepare(args, cache)))
        return 0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    print("preparing inputs (cached in", args.cache, ")", flush=True)
    # A child forked from a big parent counts the parent's memory in its peak until it execs:
    # the inputs are generated in a child of their own, and this process stays small.
    prepared = subprocess.run(
        [sys.executable, __file__, "--prepare-only", "--cache", str(args.cache)]
        + (["--quick"] if args.quick else [])
        + (["--large"] if args.large else [])
        + (["--no-large"] if args.no_large else [])
        + (["--rows", str(args.rows)] if args.rows else []),
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    inputs = json.loads(prepared.stdout.strip().splitlines()[-1])
    ops = operations(args, Path(inputs["ledger"]).parent, inputs)
    for round_ in range(args.repeat):
        for op in ops:
            if op.failed or (op.once and op.times):
                continue
            seconds, peak, summed, code, tail = run_child(op.command, env)
            if code not in op.exits:
                op.failed = f"exit {code}: {tail}"
                continue
            op.times.append(seconds)
            op.peaks.append(peak)
            op.sums.append(summed)
        print(f"  round {round_ + 1}/{args.repeat} done", flush=True)
    by_name = {o.name: o for o in ops}
    lines = []
    header = (
        f"{'operation':<24} {'rows':>9} {'seconds':>8} {'rows/s':>9} {'peak MB':>8} "
        f"{'sum MB':>7} {'ratio':>7}  target"
    )
    print()
    print(header)
    print("-" * len(header))
    results = []
    for op in ops:
        if op.failed:
            print(f"{op.name:<24} failed: {op.failed}")
            continue
        seconds = statistics.median(op.times)
        ratio = ""
        if op.baseline and by_name.get(op.baseline) and by_name[op.baseline].times:
            base = statistics.median(by_name[op.baseline].times)
            ratio = f"{(base / seconds) if op.speedup else (seconds / base):.2f}×"
        rate = f"{op.rows / seconds:,.0f}" if op.rows else ""
        summed = f"{max(op.sums):.0f}" if max(op.sums) else "—"
        line = (
            f"{op.name:<24} {op.rows:>9,} {seconds:>8.2f} {rate:>9} {max(op.peaks):>8.0f} "
            f"{summed:>7} {ratio:>7}  {op.target}{' (1 round)' if op.once else ''}"
        )
        lines.append(line)
        print(line)
        results.append(
            {
                "operation": op.name,
                "rows": op.rows,
                "seconds": seconds,
                "runs": op.times,
                "peak_mb": max(op.peaks),
                "summed_peak_mb": max(op.sums),
                "baseline": op.baseline,
                "ratio": ratio,
                "target": op.target,
            }
        )
    print()
    print(
        f"{dt.datetime.now():%Y-%m-%d %H:%M}, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, median of {args.repeat} rounds"
        + (" (--quick)" if args.quick else "")
    )
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
