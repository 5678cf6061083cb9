"""What a command does, over files: validate batches, load portfolios, write the template,
import lists, run the demo. Built on `ledger_xl.core` (pure) and `ledger_xl.io` (files)."""
