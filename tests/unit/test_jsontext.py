"""core.jsontext: the same JSON value as json.dumps, containers indented, flat records on one
line each."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger_xl.core import jsontext

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
)
keys = st.one_of(st.text(), st.integers(), st.booleans(), st.none())
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(values)
def test_the_same_json_value_as_json_dumps(value):
    assert json.loads(jsontext.dumps(value)) == json.loads(json.dumps(value))


def test_layout_containers_indented_records_on_one_line():
    document = {
        "as_of": "2026-11-23",
        "files": ["a.xlsx", "b.xlsx"],
        "reviews": [
            {"customer_id": "SH000001", "客户名称": "上海\n甲公司", "days": -3, "flag": None},
            {"customer_id": "SH000002", "客户名称": "乙", "days": 12.5, "flag": True},
        ],
        "empty": [],
        "nested": {"stats": {"errors": 1, "by_code": {}}, "none": {}},
    }
    assert jsontext.dumps(document) == "\n".join(
        [
            "{",
            '  "as_of": "2026-11-23",',
            '  "files": ["a.xlsx", "b.xlsx"],',
            '  "reviews": [',
            '    {"customer_id": "SH000001", "客户名称": "上海\\n甲公司", "days": -3, "flag": null},',
            '    {"customer_id": "SH000002", "客户名称": "乙", "days": 12.5, "flag": true}',
            "  ],",
            '  "empty": [],',
            '  "nested": {',
            '    "stats": {',
            '      "errors": 1,',
            '      "by_code": {}',
            "    },",
            '    "none": {}',
            "  }",
            "}",
        ]
    )


@pytest.mark.parametrize("value", [1, "文本", None, [], {}, [1, 2], {"a": 1}])
def test_flat_values_as_json_dumps_writes_them(value):
    assert jsontext.dumps(value) == json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def test_keys_json_dumps_refuses_are_refused():
    with pytest.raises(TypeError):
        jsontext.dumps({(1, 2): [1, [2]]})


def test_default_converts_what_json_cannot_encode():
    import datetime as dt

    value = {"runs": [{"run_id": 1, "recorded": dt.datetime(2026, 11, 30, 9, 5)}]}
    assert json.loads(jsontext.dumps(value, default=str)) == {
        "runs": [{"run_id": 1, "recorded": "2026-11-30 09:05:00"}]
    }
    with pytest.raises(TypeError):
        jsontext.dumps(value)
