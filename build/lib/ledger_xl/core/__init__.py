"""The pure core: rules, layout, formulas and their Python twins, checks, findings, due lists,
summaries and portfolios — tables in, tables out.

Modules here import only the standard library, numpy, pandas and pydantic (a test checks it):
no file, terminal or Excel library. "Today" is always a parameter. The edges — `ledger_xl.io`
(files), `ledger_xl.app` (what a command does), `ledger_xl.cli` and the Excel add-in — build on
this package; it never imports them.
"""
