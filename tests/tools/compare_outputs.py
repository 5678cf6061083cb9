"""Compare what the demo's outputs say at a git revision and in the working tree.

A refactoring must not change behaviour. This script builds the demo at a fixed 基准日 with
the code of REV (checked out into a temporary worktree) and with the working tree, then
compares, as data:

- `validate --format json` over the branch workbooks (paths made relative),
- `due --format json` over the branch workbooks,
- every table of `summary_tables(load_portfolio(...))`,
- the findings of `new --from` on a small CSV with typical problems.

    python tests/tools/compare_outputs.py                 # against HEAD
    python tests/tools/compare_outputs.py --ref e266530   # against another revision

Exit 0 when everything is identical, 1 with the differences listed otherwise.
Not part of the test run: it builds the demo twice (about a minute).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2026-11-23"

# Run inside the interpreter of each checkout; prints one JSON document.
PROBE = r"""
import datetime as dt, json, sys, subprocess, os
from pathlib import Path
import pandas as pd
import ledger_xl

out = Path(sys.argv[1]); as_of = sys.argv[2]
day = dt.date.fromisoformat(as_of)
cli = [sys.executable, "-c", "from ledger_xl.cli import main; main()"]
subprocess.run([*cli, "demo", "--out", str(out), "--as-of", as_of, "--force"],
               check=True, capture_output=True)
branches = out / "分公司"

def run(*args):
    done = subprocess.run([*cli, *args], capture_output=True, text=True)
    return done.returncode, json.loads(done.stdout)

def relative(text):
    return str(text).replace(str(out) + os.sep, "")

code, validated = run("validate", str(branches), "--format", "json", "--as-of", as_of)
for f in validated["files"]:
    f["path"] = relative(f["path"])
code_due, due = run("due", str(branches), "--format", "json", "--as-of", as_of)
due["files"] = [relative(p) for p in due["files"]]
for key in ("reviews", "waiting", "documents", "warnings"):
    for row in due.get(key, []):
        row["file"] = relative(row["file"])

files = sorted(branches.glob("*.xlsx"))
book = ledger_xl.load_portfolio(files, day)
tables = {}
for name, frame in ledger_xl.summary_tables(book).items():
    frame = frame.copy()
    for column in frame.columns:
        if column == "file":
            frame[column] = frame[column].map(relative)
    tables[name] = json.loads(frame.reset_index().to_json(orient="split", date_format="iso"))

csv = out / "import.csv"
csv.write_text(
    "公司名称,信用代码,注册资本,成立日期,综合评分,客户编号,联系电话\n"
    "上海甲有限公司,91310000MA1FL0000X,N/A,2024年13月5日,88,SH000001,=cmd\n"
    "上海乙有限公司,91310000MA1FL1111Y,\"1,234.5\",2015.6.18,70,C-2023-001,13812345678\n",
    encoding="utf-8",
)
done = subprocess.run([*cli, "new", "--from", str(csv), "-o", str(out / "imported.xlsx"),
                       "--force"], capture_output=True, text=True)
imported = ledger_xl.validate_workbook(out / "imported.xlsx", as_of=day)
findings = [f.model_dump(mode="json") for f in imported.findings]
for f in findings:
    f["file"] = relative(f["file"])

print(json.dumps({
    "validate_exit": code, "validate": validated,
    "due_exit": code_due, "due": due,
    "summary": tables,
    "new_exit": done.returncode, "new_stdout": done.stdout.replace(str(out), "OUT"),
    "imported_findings": findings,
}, ensure_ascii=False, sort_keys=True, default=str))
"""


def probe(checkout: Path, work: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(work), AS_OF],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.exit(f"probe failed in {checkout}:\n{done.stderr}")
    return json.loads(done.stdout)


def differences(a: object, b: object, path: str = "") -> list[str]:
    if type(a) is not type(b):
        return [f"{path}: {a!r} != {b!r}"]
    if isinstance(a, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                out.append(f"{path}/{key}: only in {'working tree' if key in b else 'ref'}")
            else:
                out.extend(differences(a[key], b[key], f"{path}/{key}"))
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items != {len(b)} items"]
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in differences(x, y, f"{path}[{i}]")
        ]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ref", default="HEAD", help="git revision to compare with")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ledger_xl-compare-") as tmp:
        tmp = Path(tmp)
        ref_tree = tmp / "ref"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(ref_tree), args.ref],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        try:
            before = probe(ref_tree, tmp / "out_ref")
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(ref_tree)], cwd=ROOT, check=False
            )
        after = probe(ROOT, tmp / "out_now")
    found = differences(before, after)
    for line in found[:200]:
        print(line)
    sizes = (
        f"validate: {len(after['validate']['files'])} files, "
        f"{sum(len(f['findings']) for f in after['validate']['files'])} findings; "
        f"due: {len(after['due']['reviews'])} reviews, {len(after['due']['documents'])} documents, "
        f"{len(after['due']['warnings'])} warnings; summary: {len(after['summary'])} tables; "
        f"import: {len(after['imported_findings'])} findings"
    )
    print(("identical — " if not found else f"{len(found)} differences — ") + sizes)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
