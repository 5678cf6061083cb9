"""Every workbook ledger_xl writes, built fresh with XlsxWriter through one kit (`kit`):
the ledger (`ledger`), its rule sheets and guide, the findings, due-list, summary and review
report workbooks."""
