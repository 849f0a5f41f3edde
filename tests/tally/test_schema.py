"""The published JSON Schema agrees with the parser on the shipped examples and on bad documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "tally" / "schema" / "tally-input.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.validators.validator_for(SCHEMA)(SCHEMA)  # the schema is checked once, below


def test_the_schema_is_valid_against_its_metaschema() -> None:
    jsonschema.validators.validator_for(SCHEMA).check_schema(SCHEMA)


@pytest.mark.parametrize("example", sorted((ROOT / "examples").glob("*.json")), ids=lambda p: p.stem)
def test_shipped_examples_match_the_schema(example: Path) -> None:
    VALIDATOR.validate(json.loads(example.read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    "doc",
    [
        {"kind": "motion", "members_of_record": 3, "present": 3, "ballots": [{"choice": "maybe"}]},
        {"kind": "motion", "members_of_record": 3, "present": 3, "ballots": [], "colour": "red"},
        {"kind": "election", "members_of_record": 3, "present": 3, "ballots": [], "office": "head",
         "seats": 1, "candidates": ["A", "B"], "ballots_issued": 3, "secret": False},
    ],
)
def test_schema_rejects_what_the_parser_rejects(doc: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(doc)
