"""Citizen ID numbers for test fixtures (ISO 7064 MOD 11-2 check character)."""

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"


def citizen_id(birth_yyyymmdd: str, sequence: int, region: str = "310101") -> str:
    body = f"{region}{birth_yyyymmdd}{sequence:03d}"
    return body + CHECK[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=False)) % 11]
