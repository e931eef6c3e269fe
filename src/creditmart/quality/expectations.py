"""Custom expectation: the ISO 7064 MOD 11-2 check character of 18-character
citizen ID numbers (RULES.md ID-003)."""

from __future__ import annotations

from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics import ColumnMapMetricProvider, column_condition_partial

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"


def citizen_id_is_valid(value: object) -> bool:
    """17 digits and the right check character (digit or X)."""
    if not isinstance(value, str) or len(value) != 18 or not value[:17].isdigit():
        return False
    return CHECK[sum(int(d) * w for d, w in zip(value[:17], WEIGHTS, strict=False)) % 11] == value[17]


class ColumnValuesValidCitizenId(ColumnMapMetricProvider):
    condition_metric_name = "column_values.valid_citizen_id"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):  # noqa: N805 (GX metric signature)
        return column.map(citizen_id_is_valid)


class ExpectColumnValuesToBeValidCitizenIds(ColumnMapExpectation):
    """Expect 18-character citizen ID numbers whose MOD 11-2 check character is right."""

    map_metric = "column_values.valid_citizen_id"
    success_keys = ("mostly",)
