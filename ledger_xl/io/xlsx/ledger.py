"""The one builder of ledger workbooks (DESIGN principle 2).

Template, imported ledgers and the demo all come out of `build_ledger_workbook`, fresh, with
XlsxWriter. Formula cells carry cached values computed by the Python twins, so readers that
do not recalculate still see the numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from ledger_xl.core import formulas, layout, schedule, summary, twins, values
from ledger_xl.core.defaults import DEFAULT_RULES
from ledger_xl.core.distribution import Distribution, distribution_grid
from ledger_xl.core.layout import TEMPLATE_VERSION, Protection
from ledger_xl.core.rules import FieldRule, FieldType, Rules
from ledger_xl.io.xlsx import addin, guide, kit, rulesheets
from ledger_xl.io.xlsx.kit import AMBER, FILL_FORMULA, FILL_HEADER, RED

# A fixed timestamp makes the committed template reproducible byte for byte in its XML.
REPRODUCIBLE_TIME = dt.datetime(2026, 1, 1, 0, 0, 0)


@dataclass
class LedgerContent:
    """The rows to put in a workbook: frames keyed by field / column key (values as typed)."""

    ledger: pd.DataFrame = field(default_factory=pd.DataFrame)
    credentials: pd.DataFrame = field(default_factory=pd.DataFrame)
    reviews: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class BuildOptions:
    fixed_as_of: dt.date | None = None  # write 基准日 as this date instead of =TODAY()
    cache_date: dt.date | None = None  # the day cached values are computed for (default today)
    spare_rows: int = 200  # empty, pre-formulated rows after the data
    protection: Protection = Protection.LEDGER
    password: str | None = None
    reproducible: bool = False  # fixed timestamps, no cached 基准日 (the committed template)
    title: str = "客户审核管理台账"
    # A branch workbook handed out by `distribute`: what was sent (the hidden 分发记录 sheet
    # and the branch / distribution document properties).
    distribution: Distribution | None = None
    # Field key → the only values its drop-down offers (所属分公司 fixed to one branch).
    fixed_values: dict[str, tuple[str, ...]] = field(default_factory=dict)


def build_ledger_workbook(
    path: str | Path,
    content: LedgerContent | None = None,
    rules: Rules = DEFAULT_RULES,
    options: BuildOptions | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a complete ledger workbook to `path` (atomically; never over an existing file
    unless `overwrite`). A `.xlsm` path gives the macro-enabled workbook: the same sheets,
    with the add-in's buttons on 台账 and their VBA (`ledger_xl.io.xlsx.addin`). Returns the
    path."""
    content = content or LedgerContent()
    options = options or BuildOptions()
    created = REPRODUCIBLE_TIME if options.reproducible else dt.datetime.now()
    macros = addin.is_macro_path(path)
    with kit.written(
        path,
        overwrite,
        title=options.title,
        kind="ledger",
        created=created,
        subject="客户审核管理台账",
    ) as wb:
        _Builder(wb, content, rules, options, macros=macros).build()
        if macros:
            addin.install(wb)
    return Path(path)


def _frame(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The frame with exactly these columns (missing ones blank), object dtype, None for NaN."""
    out = pd.DataFrame(index=range(len(frame)), columns=keys, dtype=object)
    for key in keys:
        if key in frame.columns:
            out[key] = [  # most cells are text or None: one or two tests each
                v if type(v) is str and v else None if v is None or values.is_blank(v) else v
                for v in frame[key].tolist()
            ]
    return out


class _Builder:
    def __init__(
        self,
        wb: kit.Workbook,
        content: LedgerContent,
        rules: Rules,
        opts: BuildOptions,
        macros: bool = False,
    ):
        self.rules, self.opts, self.macros = rules, opts, macros
        self.as_of = opts.fixed_as_of or opts.cache_date or dt.date.today()
        self.ledger = _frame(content.ledger, [f.key for f in rules.fields if f.is_input])
        credential_inputs = [c.key for c in layout.CREDENTIAL_COLUMNS if c.kind != "formula"]
        self.credentials = _frame(content.credentials, credential_inputs)
        self.reviews = _frame(content.reviews, [c.key for c in layout.REVIEW_COLUMNS])
        # The hidden row keys, kept apart so the twins and summaries never see them.
        self.row_keys = {
            name: _frame(frame, [layout.ROW_KEY])[layout.ROW_KEY].tolist()
            for name, frame in (
                ("ledger", content.ledger),
                ("credentials", content.credentials),
                ("reviews", content.reviews),
            )
        }
        self.wb = wb
        self.fmt = kit.Formats(wb, _BASE_FORMATS)
        self.lock_tables = opts.protection is Protection.LEDGER

    # ------------------------------------------------------------ the whole book

    def build(self) -> None:
        self.wb.set_custom_property(layout.PROP_TEMPLATE_VERSION, TEMPLATE_VERSION)
        self.wb.set_custom_property(layout.PROP_RULES_FINGERPRINT, self.rules.fingerprint())
        self.wb.set_custom_property(layout.PROP_GENERATOR, "ledger_xl")
        record = self.opts.distribution
        if record is not None:
            self.wb.set_custom_property(layout.PROP_BRANCH, record.branch)
            self.wb.set_custom_property(layout.PROP_DISTRIBUTION_ID, record.distribution_id)
            self.wb.set_custom_property(layout.PROP_DISTRIBUTED_AT, record.distributed_at)
        self.formula_values = twins.ledger_formulas(
            self.ledger, self.rules, self.as_of, credentials=self.credentials
        )
        self.doc_values = twins.credential_formulas(self.credentials, self.rules, self.as_of)
        sheets = {
            layout.SHEET_LEDGER: self.write_ledger,
            layout.SHEET_CREDENTIALS: self.write_credentials,
            layout.SHEET_REVIEWS: self.write_reviews,
            layout.SHEET_SUMMARY: self.write_summary,
            layout.SHEET_FIELD_RULES: lambda: rulesheets.write_field_rules(
                self.wb, self.fmt, self.rules
            ),
            layout.SHEET_SCORING: lambda: rulesheets.write_scoring(
                self.wb, self.fmt, self.rules.scoring
            ),
            layout.SHEET_CYCLES: lambda: rulesheets.write_cycles(
                self.wb, self.fmt, self.rules.cycles
            ),
            layout.SHEET_ADMISSION: lambda: rulesheets.write_admission(
                self.wb, self.fmt, self.rules
            ),
            layout.SHEET_APPROVAL: lambda: rulesheets.write_approval(self.wb, self.fmt, self.rules),
            layout.SHEET_CREDIT: lambda: rulesheets.write_credit(self.wb, self.fmt, self.rules),
            layout.SHEET_RUBRICS: lambda: rulesheets.write_rubrics(self.wb, self.fmt, self.rules),
            layout.SHEET_GUIDE: lambda: guide.write_guide(
                self.wb, self.fmt, self.rules, self.opts, macros=self.macros
            ),
            layout.SHEET_XLWINGS: self.write_xlwings_conf,
        }
        for name in layout.SHEET_ORDER:
            ws = sheets[name]()
            if (
                name in (*layout.RULE_SHEETS, layout.SHEET_SUMMARY, layout.SHEET_GUIDE)
                and self.opts.protection is not Protection.NONE
            ):
                ws.protect(
                    self.opts.password or "", {"select_locked_cells": True, "autofilter": True}
                )
        if record is not None:
            self.write_distribution(record)
        self.wb.get_worksheet_by_name(layout.SHEET_LEDGER).activate()

    def write_distribution(self, record: Distribution) -> None:
        """The hidden 分发记录 sheet: what was sent, for `collect`'s three-way comparison."""
        ws = self.wb.add_worksheet(layout.SHEET_DISTRIBUTION)
        for r, cells in enumerate(distribution_grid(record)):
            for c, value in enumerate(cells):
                ws._write_string(r, c, str(value))  # undecorated: many thousand cells
        ws.very_hidden()
        ws.protect(self.opts.password or "")

    # ------------------------------------------------------------ the hidden row key

    def _row_key_spec(self) -> dict:
        return {
            "header": layout.ROW_KEY_HEADER,
            "format": self.fmt("row_key"),
            "header_format": self.fmt("header"),
        }

    def _write_row_keys(self, ws, first_row: int, col: int, keys: list, last: int) -> None:
        """The key column: hidden, locked, typing refused (a key is never typed)."""
        cell_format = self.fmt("row_key")
        ws.set_column(col, col, 18, cell_format, {"hidden": True})
        with ws.columnar(col, first_row, cell_format):
            for i in range(last - first_row + 1):
                _write_value(
                    ws, first_row + i, col, keys[i] if i < len(keys) else None, cell_format
                )
        ws.data_validation(
            first_row,
            col,
            last,
            col,
            {
                "validate": "custom",
                "value": "=FALSE()",
                "input_title": layout.ROW_KEY_HEADER,
                "input_message": layout.ROW_KEY_HINT,
                "error_title": layout.ROW_KEY_HEADER,
                "error_message": layout.ROW_KEY_HINT,
            },
        )

    # ------------------------------------------------------------ 台账

    def write_ledger(self):
        ws = self.wb.add_worksheet(layout.SHEET_LEDGER)
        fields = self.rules.fields
        ws.write_string(0, 0, layout.NAME_AS_OF, self.fmt("bold"))
        if self.opts.fixed_as_of:
            ws.write_datetime(
                0, 1, _datetime(self.opts.fixed_as_of), self.fmt("date_input", locked=False)
            )
        else:
            cached = "" if self.opts.reproducible else values.date_to_serial(self.as_of)
            ws.write_formula(0, 1, "=TODAY()", self.fmt("date_input", locked=False), cached)
        ws.write_string(
            0,
            2,
            "← 默认为今天（=TODAY()）；可改填固定日期，所有到期计算从这天算起。"
            "灰色列为自动计算的公式列。",
            self.fmt("note"),
        )
        self.wb.define_name(layout.NAME_AS_OF, f"={layout.SHEET_LEDGER}!$B$1")

        top = layout.LEDGER_HEADER_ROW
        n_rows = len(self.ledger) + max(self.opts.spare_rows, 1 if len(self.ledger) else 0)
        n_rows = max(n_rows, 1)
        last = top + n_rows
        ledger_formulas = formulas.ledger_formulas(self.rules)
        columns = []
        for f in fields:
            column = {
                "header": f.header,
                "format": self._field_format(f),
                "header_format": self.fmt("header"),
            }
            if not f.is_input:
                column["formula"] = ledger_formulas[f.key]
            columns.append(column)
        columns.append(self._row_key_spec())
        ws.add_table_with_formulas(
            top,
            0,
            last,
            len(fields),
            {
                "name": layout.TABLE_LEDGER,
                "columns": columns,
                "style": "Table Style Light 9",
                "autofilter": True,
            },
        )
        for col, f in enumerate(fields):
            ws.set_column(col, col, f.width, self._field_format(f))
            if f.is_input:
                self._write_inputs(
                    ws, top + 1, col, self.ledger[f.key].tolist(), n_rows, self._field_format(f)
                )
            else:
                cached = [_cached(v) for v in self.formula_values[f.key].tolist()]
                self._write_formulas(
                    ws, top + 1, col, ledger_formulas[f.key], cached, n_rows, self._field_format(f)
                )
            self._validate(ws, top + 1, col, last, f)
        self._write_row_keys(ws, top + 1, len(fields), self.row_keys["ledger"], last)
        ws.set_row(top, 30)
        kit.wrapped_row_heights(
            ws,
            top + 1,
            [
                (self.ledger[f.key].tolist(), f.width)
                for f in fields
                if f.type is FieldType.TEXT and f.is_input and f.key not in _UNWRAPPED
            ],
        )
        ws.freeze_panes(top + 1, 2)
        kit.table_pages(
            self.wb,
            ws,
            sheet=layout.SHEET_LEDGER,
            table=layout.TABLE_LEDGER,
            header_row=top,
            widths=[f.width for f in fields],
            used_by=[self.rules.header("customer_id"), self.rules.header("name")],
        )
        due_col = xl_col_to_name([f.key for f in fields].index("due_flag"))
        data = (top + 1, 0, last, len(fields) - 1)
        first_cell = f"${due_col}{top + 2}"
        ws.conditional_format(
            *data,
            {
                "type": "formula",
                "criteria": f'={first_cell}="{layout.DUE_OVERDUE}"',
                "format": self.wb.add_format(RED),
            },
        )
        ws.conditional_format(
            *data,
            {
                "type": "formula",
                "criteria": f'={first_cell}="{layout.DUE_SOON}"',
                "format": self.wb.add_format(AMBER),
            },
        )
        self._control_colours(ws, top + 1, last)
        if self.lock_tables:
            self._protect_table_sheet(ws)
        return ws

    def _control_colours(self, ws, first: int, last: int) -> None:
        """Red and amber on the control columns: a 准入 failure red for 审核通过 (amber before
        approval), 超限 red and 待评级 amber, 评分偏差 amber, and an 审批级别 below
        需审批级别 red for 审核通过."""
        keys = [f.key for f in self.rules.fields]

        def cell(key: str) -> str | None:
            return f"${xl_col_to_name(keys.index(key))}{first + 1}" if key in keys else None

        status = cell("status")
        approved = f'{status}="{layout.STATUS_APPROVED}"' if status else "0"
        red, amber = self.wb.add_format(RED), self.wb.add_format(AMBER)
        rules: list[tuple[str, str, object]] = []
        if admission := cell("admission_check"):
            rules.append(("admission_check", f'=AND({admission}<>"",{approved})', red))
            rules.append(("admission_check", f'=AND({admission}<>"",NOT({approved}))', amber))
        if check := cell("limit_check"):
            rules.append(("limit_check", f'={check}="{formulas.LIMIT_OVER}"', red))
            rules.append(("credit_limit", f'={check}="{formulas.LIMIT_OVER}"', red))
            rules.append(("limit_check", f'={check}="{formulas.LIMIT_UNGRADED}"', amber))
        if deviation := cell("score_deviation"):
            rules.append(("score_deviation", f'={deviation}<>""', amber))
        level, needed = cell("approval_level"), cell("required_level")
        if level and needed:
            levels = layout.NAME_APPROVAL_LEVELS
            rules.append(
                (
                    "approval_level",
                    f'=AND({approved},{needed}<>"",IFERROR(MATCH({level},{levels},0),0)'
                    f"<IFERROR(MATCH({needed},{levels},0),0))",
                    red,
                )
            )
        for key, criteria, cell_format in rules:
            if key in keys:
                col = keys.index(key)
                ws.conditional_format(
                    first,
                    col,
                    last,
                    col,
                    {"type": "formula", "criteria": criteria, "format": cell_format},
                )

    def _field_format(self, f: FieldRule):
        if not f.is_input:
            name = {
                "debt_ratio": "percent_formula",
                "next_review": "date_formula",
                "composite_score": "score_formula",
                "credit_cap": "money_formula",
            }.get(f.key, "formula")
            return self.fmt(name)
        name = {
            FieldType.TEXT: "text_input",
            FieldType.CHOICE: "text_input",
            FieldType.DATE: "date_input",
            FieldType.NUMBER: "number_input" if _MONEY in f.header else "plain_number_input",
            FieldType.SCORE: "score_input",
        }[f.type]
        if f.type is FieldType.TEXT and f.key not in _UNWRAPPED:
            return self.fmt(name, locked=False, text_wrap=True)  # long names, addresses…
        return self.fmt(name, locked=False)

    def _write_inputs(self, ws, first_row, col, cells, n_rows, cell_format) -> None:
        with ws.columnar(col, first_row, cell_format):  # kept by column: a fraction of the memory
            cells = list(cells[:n_rows]) + [None] * (n_rows - len(cells))
            ws.write_run(first_row, col, cells, cell_format, _write_value)

    def _write_formulas(self, ws, first_row, col, formula, cached, n_rows, cell_format) -> None:
        cells = list(cached[:n_rows]) + [""] * (n_rows - len(cached))
        ws.write_column_formula(first_row, col, formula, cell_format, cells)

    def _validate(self, ws, first, col, last, f: FieldRule) -> None:
        kind = (
            "formula"
            if not f.is_input
            else {
                FieldType.CHOICE: "choice",
                FieldType.DATE: "date",
                FieldType.NUMBER: "number",
                FieldType.SCORE: "number",
            }.get(f.type, "text")
        )
        title = f.header[:28] + ("（必填）" if f.required else "")
        allowed = f.allowed
        if f.is_input and f.key in self.opts.fixed_values:
            kind, allowed = "choice", self.opts.fixed_values[f.key]
        ws.data_validation(
            first,
            col,
            last,
            col,
            _validation(kind, f.header, f.hint, title, allowed, f.minimum, f.maximum),
        )

    def _protect_table_sheet(self, ws) -> None:
        ws.protect(
            self.opts.password or "",
            {
                "autofilter": True,
                "sort": True,
                "format_columns": True,
                "format_rows": True,
                "select_locked_cells": True,
                "select_unlocked_cells": True,
            },
        )

    # ------------------------------------------------------------ 资信证明 / 审核记录

    def _side_table(self, sheet, table, columns, frame, computed, title, spare, keys, locked=None):
        """A side table (资信证明, 审核记录); `locked(column)`, when given, is the format of
        the filled rows of an input column (the spare rows keep the column's format)."""
        ws = self.wb.add_worksheet(sheet)
        ws.write_string(0, 0, title, self.fmt("title"))
        top = layout.SIDE_HEADER_ROW
        n_rows = max(len(frame) + spare, 1)
        last = top + n_rows
        formula_text = formulas.credential_formulas() if computed is not None else {}
        specs = []
        for c in columns:
            spec = {
                "header": c.header,
                "format": self._column_format(c),
                "header_format": self.fmt("header"),
            }
            if c.kind == "formula":
                spec["formula"] = formula_text[c.key]
            specs.append(spec)
        specs.append(self._row_key_spec())
        ws.add_table_with_formulas(
            top,
            0,
            last,
            len(columns),
            {
                "name": table,
                "columns": specs,
                "style": "Table Style Light 9",
                "autofilter": True,
            },
        )
        for col, c in enumerate(columns):
            cell_format = self._column_format(c)
            ws.set_column(col, col, c.width, cell_format)
            if c.kind == "formula":
                cached = [_cached(v) for v in computed[c.key].tolist()]
                self._write_formulas(
                    ws, top + 1, col, formula_text[c.key], cached, n_rows, cell_format
                )
            else:
                cells = frame[c.key].tolist()
                if locked is not None:
                    filled = locked(c)
                    with ws.columnar(col, top + 1, filled):
                        ws.write_run(top + 1, col, cells, filled, _write_value)
                    self._write_inputs(
                        ws, top + 1 + len(cells), col, [], n_rows - len(cells), cell_format
                    )
                else:
                    self._write_inputs(ws, top + 1, col, cells, n_rows, cell_format)
            self._validate_column(ws, top + 1, col, last, c)
        self._write_row_keys(ws, top + 1, len(columns), keys, last)
        ws.set_row(top, 30)
        kit.wrapped_row_heights(
            ws,
            top + 1,
            [
                (frame[c.key].tolist(), c.width)
                for c in columns
                if c.kind == "text" and c.width >= _WRAP_WIDTH
            ],
        )
        ws.freeze_panes(top + 1, 2)
        kit.table_pages(
            self.wb,
            ws,
            sheet=sheet,
            table=table,
            header_row=top,
            widths=[c.width for c in columns],
            used_by=[c.header for c in columns[:2]],
        )
        return ws, top, last

    def _column_format(self, c: layout.Column):
        if c.kind == "formula":
            return self.fmt("formula")
        name = {"date": "date_input", "number": "plain_number_input"}.get(c.kind, "text_input")
        if c.kind == "text" and c.width >= _WRAP_WIDTH:
            return self.fmt(name, locked=False, text_wrap=True)
        return self.fmt(name, locked=False)

    def _validate_column(self, ws, first, col, last, c: layout.Column) -> None:
        kind = c.kind if c.kind in ("choice", "date", "formula") else "text"
        allowed = self.rules.approval.names if c.key == "approval_level" else c.allowed
        ws.data_validation(
            first, col, last, col, _validation(kind, c.header, c.hint, c.header, allowed)
        )

    def write_credentials(self):
        ws, top, last = self._side_table(
            layout.SHEET_CREDENTIALS,
            layout.TABLE_CREDENTIALS,
            layout.CREDENTIAL_COLUMNS,
            self.credentials,
            self.doc_values,
            "资信证明：营业执照、法定代表人身份证、银行资信证明等，到期前须更新",
            self.opts.spare_rows,
            self.row_keys["credentials"],
        )
        keys = [c.key for c in layout.CREDENTIAL_COLUMNS]
        status_cell = f"${xl_col_to_name(keys.index('doc_status'))}{top + 2}"
        data = (top + 1, 0, last, len(keys) - 1)
        ws.conditional_format(
            *data,
            {
                "type": "formula",
                "criteria": f'={status_cell}="{layout.DOC_EXPIRED}"',
                "format": self.wb.add_format(RED),
            },
        )
        ws.conditional_format(
            *data,
            {
                "type": "formula",
                "criteria": f'={status_cell}="{layout.DOC_SOON}"',
                "format": self.wb.add_format(AMBER),
            },
        )
        if self.lock_tables:
            self._protect_table_sheet(ws)
        return ws

    def write_reviews(self):
        def locked(c: layout.Column):
            fmt_name = {"date": "date_input", "number": "plain_number_input"}.get(
                c.kind, "text_input"
            )
            wrap = {"text_wrap": True} if c.kind == "text" and c.width >= _WRAP_WIDTH else {}
            return self.fmt(fmt_name, locked=True, **wrap)

        # Append-only in practice: existing records are locked, the spare rows are not.
        ws, _, _ = self._side_table(
            layout.SHEET_REVIEWS,
            layout.TABLE_REVIEWS,
            layout.REVIEW_COLUMNS,
            self.reviews,
            None,
            "审核记录：每次审核一行，只增不改（已有记录锁定，在下方空行追加）",
            self.opts.spare_rows,
            self.row_keys["reviews"],
            locked if self.lock_tables else None,
        )
        if self.lock_tables:
            self._protect_table_sheet(ws)
        return ws

    # ------------------------------------------------------------ 汇总

    def write_summary(self):
        """汇总: key figures (A:B) and the branch tables (D:…), all native formulas over the
        tables against 基准日, cached with the Python twins' values."""
        ws = self.wb.add_worksheet(layout.SHEET_SUMMARY)
        ws.write_string(0, 0, "台账汇总（随台账实时计算）", self.fmt("title"))
        ws.write_string(1, 0, layout.NAME_AS_OF, self.fmt("bold"))
        blank_cache = self.opts.reproducible and not self.opts.fixed_as_of
        ws.write_formula(
            1,
            1,
            f"={layout.NAME_AS_OF}",
            self.fmt("date_formula"),
            "" if blank_cache else values.date_to_serial(self.as_of),
        )
        figures = summary.key_figures(
            self.ledger,
            self.formula_values,
            self.doc_values["doc_status"],
            self.rules,
            self.as_of,
            doc_inactive=schedule.inactive_owners(
                self.credentials["customer_id"], self.ledger["customer_id"], self.ledger["status"]
            ),
        )
        row = SUMMARY_FIRST_ROW
        for section, items in figures:
            ws.write_string(row, 0, section, self.fmt("header"))
            ws.write_string(row, 1, "数量", self.fmt("header"))
            row += 1
            for item in items:
                if item.label_formula:
                    ws.write_formula(
                        row,
                        0,
                        item.label_formula,
                        self.fmt("cell", num_format='yyyy"年"m"月"', align="left"),
                        "" if blank_cache else item.label,
                    )
                else:
                    ws.write_string(row, 0, item.label, self.fmt("cell"))
                ws.write_formula(row, 1, item.formula, self.fmt("cell"), item.count)
                row += 1
            row += 1
        ws.set_column(0, 0, 34)
        ws.set_column(1, 1, 11)
        ws.set_column(2, 2, 3)
        self._branch_tables(ws)
        kit.print_setup(ws, fit_width=True)
        return ws

    def _branch_tables(self, ws) -> None:
        """分公司 × 审核状态 and 分公司 × 评级. The branch names are typed in the first table's
        first column (pre-filled with the branches in the data); the second table repeats them."""
        rules = self.rules
        h = rules.header
        used = ~twins.empty_rows(self.ledger)
        names = sorted({b for b in values.texts(self.ledger["branch"][used]) if b != ""})
        n_rows = max(len(names) + 2, SUMMARY_BRANCH_ROWS)
        names = names + [""] * (n_rows - len(names))
        branch_col = formulas.column(h("branch"))
        left = SUMMARY_BRANCH_COL
        top = SUMMARY_FIRST_ROW
        first_label_cells: list[str] = []
        unknown_col = 0
        tables = (
            (
                "分公司 × 审核状态",
                "status",
                list(rules.field("status").allowed),
                self.ledger["status"],
            ),
            ("分公司 × 评级", "grade", summary.grade_labels(rules), self.formula_values["grade"]),
        )
        for t, (title, key, labels, cells) in enumerate(tables):
            counts = summary.branch_counts(self.ledger, cells, [n for n in names if n], labels)
            ws.write_string(top - 1, left, title, self.fmt("bold"))
            columns = [*labels, summary.UNKNOWN, summary.TOTAL]
            ws.write_string(top, left, rules.header("branch"), self.fmt("header"))
            for j, name in enumerate(columns):
                ws.write_string(top, left + 1 + j, name, self.fmt("header"))
            value_col = formulas.column(h(key))
            for i, name in enumerate(names):
                r = top + 1 + i
                label_cell = xl_rowcol_to_cell(r, left, col_abs=True)
                if t == 0:
                    ws.write_string(r, left, name, self.fmt("cell", locked=False))
                    first_label_cells.append(xl_rowcol_to_cell(r, left))
                else:
                    source = first_label_cells[i]
                    ws.write_formula(
                        r, left, f'=IF({source}="","",{source})', self.fmt("cell"), name
                    )
                for j, label in enumerate(labels):
                    header_cell = xl_rowcol_to_cell(top, left + 1 + j, row_abs=True)
                    ws.write_formula(
                        r,
                        left + 1 + j,
                        f'=IF({label_cell}="","",COUNTIFS({branch_col},{label_cell},'
                        f"{value_col},{header_cell}))",
                        self.fmt("cell"),
                        counts.at[name, label] if name else "",
                    )
                first = xl_rowcol_to_cell(r, left + 1)
                last = xl_rowcol_to_cell(r, left + len(labels))
                ws.write_formula(
                    r,
                    left + 1 + len(labels),
                    f'=IF({label_cell}="","",COUNTIFS({branch_col},{label_cell})-SUM({first}:{last}))',
                    self.fmt("cell"),
                    counts.at[name, summary.UNKNOWN] if name else "",
                )
                ws.write_formula(
                    r,
                    left + 2 + len(labels),
                    f'=IF({label_cell}="","",COUNTIFS({branch_col},{label_cell}))',
                    self.fmt("cell"),
                    counts.at[name, summary.TOTAL] if name else "",
                )
            total_row = top + 1 + n_rows
            ws.write_string(total_row, left, summary.TOTAL, self.fmt("header"))
            for j, name in enumerate(columns):
                col = left + 1 + j
                span = f"{xl_rowcol_to_cell(top + 1, col)}:{xl_rowcol_to_cell(total_row - 1, col)}"
                ws.write_formula(
                    total_row,
                    col,
                    f"=SUM({span})",
                    self.fmt("header"),
                    int(counts[name].sum()) if len(counts) else 0,
                )
            ws.set_column(left, left, 14)
            ws.set_column(left + 1, left + len(columns), 10)
            unknown_col = max(unknown_col, left + 1 + len(labels))
            top = total_row + 4
        for i, line in enumerate(
            (
                "分公司名称在第一张表的第一列填写（可增删），两张表随台账实时计算。",
                "（未填写或无法识别）：审核状态或评级未填写、不在列表中的客户。",
                "所属分公司未填写的客户不在这两张表中。",
            )
        ):
            ws.write_string(top - 2 + i, left, line, self.fmt("note"))
        ws.set_column(unknown_col, unknown_col, 18)

    def write_xlwings_conf(self):
        ws = self.wb.add_worksheet(layout.SHEET_XLWINGS)
        ws.write_string(0, 0, "UDF Modules")
        ws.write_string(0, 1, "ledger_xl.udfs")
        ws.write_string(2, 0, "此表是 xlwings 加载项的设置，请勿修改或删除。", self.fmt("note"))
        ws.set_column(0, 1, 18)
        ws.hide()  # xlwings reads hidden sheets too; a clerk has no use for it, nor a printer
        return ws


# The ledger's styles besides `kit.STYLES` (note, bold, header). Table cells align to the top:
# a row grows when a long name or address wraps.
_BASE_FORMATS: dict[str, dict] = {
    "title": {"bold": True, "font_size": 14, "font_color": FILL_HEADER},
    "cell": {"border": 1, "valign": "top"},
    "wrap": {"border": 1, "text_wrap": True, "valign": "top"},
    "percent": {"num_format": "0%", "border": 1},
    "percent_bold": {"num_format": "0%", "bold": True, "border": 1},
    "text_input": {"num_format": "@", "valign": "top"},
    "date_input": {"num_format": "yyyy-mm-dd", "valign": "top"},
    "number_input": {"num_format": "#,##0.00", "valign": "top"},  # amounts in 万元
    "plain_number_input": {"num_format": "General", "valign": "top"},  # 849, 3.5 (not 849.00)
    "score_input": {"num_format": "0.0", "valign": "top"},
    "formula": {"bg_color": FILL_FORMULA, "valign": "top"},
    "score_formula": {"bg_color": FILL_FORMULA, "num_format": "0.0", "bold": True, "valign": "top"},
    "percent_formula": {"bg_color": FILL_FORMULA, "num_format": "0.0%", "valign": "top"},
    "date_formula": {"bg_color": FILL_FORMULA, "num_format": "yyyy-mm-dd", "valign": "top"},
    "row_key": {"num_format": "@", "font_color": "#808080"},
    "money_formula": {"bg_color": FILL_FORMULA, "num_format": "#,##0.00", "valign": "top"},
    "rule_percent": {"num_format": "0.0%", "border": 1},
}
_MONEY = "万元"  # number columns in 万元 show two decimals; the others as typed
_UNWRAPPED = {"customer_id", "uscc"}  # identifiers stay on one line
_WRAP_WIDTH = 20  # side-table text columns this wide wrap (names, numbers, notes, opinions)


SUMMARY_FIRST_ROW = 3  # 汇总: row 0 title, row 1 基准日, sections from row 3 (0-based)
SUMMARY_BRANCH_COL = 3  # the branch tables start in column D
SUMMARY_BRANCH_ROWS = 8  # at least this many branch rows (blank ones are for typing)


def _validation(
    kind: str,
    header: str,
    hint: str,
    title: str,
    allowed: tuple[str, ...] = (),
    minimum: float | None = None,
    maximum: float | None = None,
) -> dict:
    """The data validation of a column: its fill-in hint, and what it refuses.

    `kind` is "formula" (refuses any typing), "choice", "date", "number" (range when given)
    or "text" (hint only).
    """
    rule: dict = {"validate": "any"}
    if kind == "formula":
        rule = {
            "validate": "custom",
            "value": "=FALSE()",
            "error_title": "公式列",
            "error_message": f"“{header}”是自动计算的公式列，请勿手工填写。",
        }
    elif kind == "choice":
        rule = {
            "validate": "list",
            "source": list(allowed),
            "error_title": "请从列表中选择",
            "error_message": f"“{header}”只能是：{'、'.join(allowed)}。",
        }
    elif kind == "date":
        rule = {
            "validate": "date",
            "criteria": "between",
            "minimum": dt.date(1900, 1, 1),
            "maximum": dt.date(2099, 12, 31),
            "error_title": "请输入日期",
            "error_message": f"“{header}”须为日期，如 2024-03-05。",
        }
    elif kind == "number" and minimum is not None and maximum is not None:
        rule = {
            "validate": "decimal",
            "criteria": "between",
            "minimum": minimum,
            "maximum": maximum,
            "error_title": "数值超出范围",
            "error_message": f"“{header}”须为 {values.number_text(minimum)}–{values.number_text(maximum)} 之间的数字。",
        }
    elif kind == "number" and minimum is not None:
        rule = {
            "validate": "decimal",
            "criteria": ">=",
            "value": minimum,
            "error_title": "数值超出范围",
            "error_message": f"“{header}”须为不小于 {values.number_text(minimum)} 的数字。",
        }
    return {"input_title": title[:32], "input_message": (hint or header)[:255], **rule}


def _datetime(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


def _cached(value: object) -> object:
    """A twin's value as the cached result of its formula cell ("" shows blank)."""
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, np.datetime64):
        return (
            ""
            if np.isnat(value)
            else float(values.date_to_serial(value.astype("datetime64[D]").astype(dt.date)))
        )
    if isinstance(value, float | np.floating):
        return "" if np.isnan(value) else float(value)
    if isinstance(value, pd.Timestamp):
        return float(values.date_to_serial(value.date()))
    return value


_FIRST_DAY, _LAST_DAY = dt.date(1900, 1, 1), dt.date(9999, 12, 31)


def _write_value(ws, row: int, col: int, value: object, cell_format) -> None:
    """Write an input value as typed: text stays text (never a formula), dates stay dates. A
    value no cell can hold as such (inf, 1e308, a date before 1900) is written as its
    text, never dropped (a NaN in a frame is a blank)."""
    # XlsxWriter's undecorated writers (`_write_string` …): the public ones first check
    # whether they were given an "A1" reference, a cost per cell that adds up over a ledger.
    if type(value) is str and value:  # most cells: one test
        ws._write_string(row, col, value, cell_format)
    elif values.is_blank(value):
        ws._write_blank(row, col, None, cell_format)
    elif isinstance(value, float | np.floating) and not abs(value) <= values.EXCEL_MAX_NUMBER:
        ws._write_string(row, col, repr(float(value)), cell_format)
    elif isinstance(value, str):
        ws._write_string(row, col, value, cell_format)
    elif isinstance(value, bool):
        ws._write_boolean(row, col, value, cell_format)
    elif isinstance(value, dt.date) and not _FIRST_DAY <= _day(value) <= _LAST_DAY:
        ws._write_string(row, col, value.isoformat()[:10], cell_format)
    elif isinstance(value, dt.datetime):
        ws._write_datetime(row, col, value, cell_format)
    elif isinstance(value, dt.date):
        ws._write_datetime(row, col, _datetime(value), cell_format)
    elif isinstance(value, int | float | np.integer | np.floating):
        ws._write_number(row, col, float(value), cell_format)
    else:
        ws._write_string(row, col, str(value), cell_format)


def _day(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value
