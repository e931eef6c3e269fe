"""dbt-project-evaluator's rules that this project keeps, checked over the
manifest of the sample build (the hub package is unreachable here)."""

from __future__ import annotations

import json

import conftest
import pytest

PUBLIC_MODELS = set(conftest.PUBLIC_MODELS)
PREFIXES = {"staging": ("stg_",), "intermediate": ("int_",), "marts": ("fct_", "dim_", "rpt_", "submission_")}
LAYER_ORDER = {"staging": 0, "intermediate": 1, "marts": 2}


@pytest.fixture(scope="module")
def manifest(sample_build) -> dict:
    return json.loads((sample_build.target_path / "manifest.json").read_text())


def models(manifest) -> dict[str, dict]:
    return {
        n["name"]: n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["package_name"] == "creditmart"
    }


def layer(node: dict) -> str:
    return node["original_file_path"].split("/")[1]


def test_prefixes_match_folders(manifest):
    for name, node in models(manifest).items():
        assert name.startswith(PREFIXES[layer(node)]), name


def test_sources_only_in_staging_and_layers_flow_forward(manifest):
    all_models = models(manifest)
    by_id = {n["unique_id"]: n for n in all_models.values()}
    for name, node in all_models.items():
        parents = node["depends_on"]["nodes"]
        if any(p.startswith("source.") for p in parents):
            assert layer(node) == "staging", name
        for parent in parents:
            if parent in by_id:
                assert LAYER_ORDER[layer(by_id[parent])] <= LAYER_ORDER[layer(node)], (name, parent)
                if layer(node) == "staging":
                    pytest.fail(f"staging model {name} reads model {parent}")


def test_every_model_is_described_and_public_models_are_contracted(manifest):
    for name, node in models(manifest).items():
        assert node["description"].strip(), name
        if name in PUBLIC_MODELS:
            assert node["config"]["contract"]["enforced"], name
            assert all(c.get("description") for c in node["columns"].values()), name
    assert PUBLIC_MODELS <= set(models(manifest))


def test_every_model_past_staging_has_a_primary_key_test(manifest):
    tested = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        test_name = (node.get("test_metadata") or {}).get("name")
        if test_name in {"unique", "unique_key"}:
            tested |= {p.split(".")[-1] for p in node["depends_on"]["nodes"]}
    # staging keeps every raw row (duplicates are judged downstream), so it has no key
    missing = {name for name, node in models(manifest).items() if layer(node) != "staging"} - tested
    assert missing == set()


def test_guards_carry_their_rule_id(manifest):
    guards = {
        n["name"]: n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "test" and n["name"].startswith("assert_chk_")
    }
    assert {n["config"]["meta"].get("rule_id") for n in guards.values()} == {f"CHK-00{i}" for i in range(1, 6)}
