Attribute VB_Name = "LedgerButtons"
Option Explicit

' The buttons of the ledger workbook (sheet 1, the ledger sheet). Each one hands over to
' Python through xlwings' RunPython: the xlwings module is embedded in this workbook, so
' the xlwings add-in is not needed. The handlers are ledger_xl.macros.*_button().
' Keep this file ASCII: VBA source is stored in the project code page (Windows-1252),
' so Chinese text here would be garbled. Build such strings with ChrW() instead.

Public Sub ValidateButton()
    RunPython "import ledger_xl.macros as m; m.validate_button()"
End Sub

Public Sub SummaryButton()
    RunPython "import ledger_xl.macros as m; m.summary_button()"
End Sub

Public Sub MarkDueButton()
    RunPython "import ledger_xl.macros as m; m.mark_due_button()"
End Sub

Public Sub RegisterReviewButton()
    RunPython "import ledger_xl.macros as m; m.register_review_button()"
End Sub

' Writes the VBA wrappers of the custom functions (LEDGER_SCORE, ...) of the module named
' on the xlwings.conf sheet (UDF Modules = ledger_xl.udfs) into this workbook. Needs
' Trust Center > Trust access to the VBA project object model.
Public Sub ImportFunctionsButton()
    ImportPythonUDFs
End Sub
