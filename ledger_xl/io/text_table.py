"""Reading a text table (CSV and its cousins) the way Excel users save them: every command that
takes a CSV — `new --from` lists, `分公司.csv` for distribute and collect — reads it here."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ledger_xl.core.errors import InputError

MAX_CSV_FIELD = 16 << 20  # a field longer than this is no customer list


def read_csv_rows(path: Path, delimiters: str = ",\t;") -> list[list[str]]:
    """A text table's rows: UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode
    text") or GB18030 (which covers GBK); comma, tab or semicolon separated (sniffed among
    `delimiters`); CRLF, LF or old-Mac CR line ends. Raises InputError naming the file."""
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError(f"{path.name}：无法识别文件编码，请另存为 UTF-8 编码的 CSV")
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # CR-only: old Mac Excel
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=delimiters)
    except csv.Error:
        dialect = csv.excel
    limit = csv.field_size_limit()
    csv.field_size_limit(MAX_CSV_FIELD)
    try:
        return [row for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as exc:
        raise InputError(f"{path.name}：不是可读的 CSV（{exc}）") from None
    finally:
        csv.field_size_limit(limit)
