"""`used_rows`: a table's rows that hold anything besides the hidden 行键."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ledger_xl.core import layout
from ledger_xl.core.book import Table
from ledger_xl.core.checks.context import used_rows


def _table(frame: pd.DataFrame) -> Table:
    columns = {key: i for i, key in enumerate(frame.columns)}
    return Table("资信证明", frame, list(range(3, 3 + len(frame))), columns, 1)


def test_a_row_with_its_row_key_alone_is_not_used() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["SH1", None, None, None],
            "doc_type": [None, "营业执照", None, None],
            layout.ROW_KEY: ["k1", "k2", "k3", None],
        },
        dtype=object,
    )
    used = used_rows(_table(frame))
    assert used.dtype == bool and used.tolist() == [True, True, False, False]


def test_a_table_of_row_keys_alone_uses_no_row() -> None:
    frame = pd.DataFrame({layout.ROW_KEY: ["k1", "k2", None]}, dtype=object)
    used = used_rows(_table(frame))
    assert used.dtype == bool and used.shape == (3,) and not used.any()
    empty = used_rows(_table(pd.DataFrame({layout.ROW_KEY: []}, dtype=object)))
    assert empty.dtype == bool and empty.shape == (0,)
    assert np.array_equal(used_rows(_table(pd.DataFrame(index=range(2)))), [False, False])
