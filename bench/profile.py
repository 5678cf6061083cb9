"""Profile one ledger_xl command in this process, as its child would run it.

    python bench/profile.py [-o PROFILE.txt] -- due LEDGER.xlsx --format json --as-of 2026-11-23

The commands read each file in a forked child (which pyinstrument cannot follow); here the
work runs in-process (LEDGER_XL_ISOLATE=0) with the reader in its child mode (no extent
pre-scan, which a child leaves to its parent's memory limit), so the profile shows what the
child does. Needs pyinstrument (`pip install -e ".[bench]"`).
"""

from __future__ import annotations

import argparse
import os
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-o", "--output", help="write the text profile here (default: stderr)")
    parser.add_argument("--interval", type=float, default=0.002)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    os.environ["LEDGER_XL_ISOLATE"] = "0"
    from pyinstrument import Profiler

    from ledger_xl import cli
    from ledger_xl.io import isolated

    isolated._IN_CHILD = True
    profiler = Profiler(interval=args.interval)
    sys.argv = ["ledger-xl", *command]
    stdout = sys.stdout
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the command's own output is not profiled
    profiler.start()
    try:
        cli.main()
    except SystemExit:
        pass
    finally:
        profiler.stop()
        sys.stdout.close()
        sys.stdout = stdout
    text = profiler.output_text(unicode=True, color=False, show_all=False)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stderr.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
