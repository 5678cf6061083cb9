"""The add-in's edge: an open workbook as the button handlers and custom functions see it.

The handlers (`ledger_xl.macros`) and custom functions (`ledger_xl.udfs`) take an xlwings-like
`Book`: in Excel, xlwings' own `Book` (`xw.Book.caller()`); in LibreOffice, the adapter in
`ledger_xl.excel.uno_book` (Python-UNO, same subset of xlwings' API). They differ in a few
things xlwings has no API for — document properties, sheet protection, locking cells, telling
the user something — which `ledger_xl.excel.host` does per application.

- `workbook`: read an open workbook in blocks into grids and a `LedgerBook` (values, the
  ledger's formula text, properties); write tables back in blocks.
- `host`: the per-application operations (Excel through COM; LibreOffice through the adapter).
- `office` / `uno_book`: a private headless LibreOffice and the adapter over it (imported only
  where LibreOffice is used: they need LibreOffice's Python bridge).
"""
