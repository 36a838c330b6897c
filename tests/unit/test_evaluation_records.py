"""The labelled-set reader of `newswatch evaluate`: what it takes, errors naming line and key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from newswatch.evaluation.records import RecordError, read_records

SEED = "003_989638f27897ee02"


def _record(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": "a",
        "url": "https://eval.example/a",
        "title": "A title",
        "lang": "en",
        "date": "2024-04-12",
        "text": "Some text.",
        "relevant": True,
        "duplicate_of": None,
        "dup_kind": None,
    }
    record.update(changes)
    return {k: v for k, v in record.items() if v != "<drop>"}


def _write(tmp_path: Path, *records: dict[str, Any], name: str = "set.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_a_good_set_is_read_in_order(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        _record(lang="pt-BR", date="2024-04", kind="new-development"),
        _record(id="b", url="https://eval.example/b", duplicate_of="a", dup_kind="translation"),
        _record(
            id="c",
            url="https://eval.example/c",
            date=None,
            duplicate_of=SEED,
            dup_kind="same-story",
        ),
    )
    first, second, third = read_records([path], [SEED])
    assert (first.lang, first.published, first.date) == ("pt", None, "2024-04")
    assert first.is_new_development and not first.is_copy
    assert second.is_copy and second.published is not None and second.published.day == 12
    assert third.is_same_event and third.published is None
    assert third.where == f"{path}:3"


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (_record(relevant="yes"), 'relevant: expected true or false, found "yes"'),
        (_record(date="12.04.2024"), "date: expected YYYY-MM-DD, YYYY-MM or null"),
        (_record(date="2024-13"), "date: no such month '2024-13'"),
        (_record(dup_kind="copy", duplicate_of=SEED), 'dup_kind: expected "translation"'),
        (_record(duplicate_of=SEED), "dup_kind: duplicate_of and dup_kind are set together"),
        (_record(kind="rumour"), "kind: expected one of translation, wire-copy"),
        (_record(kind="near-miss"), "relevant: a near-miss record is not relevant"),
        (_record(text=" "), "text: must not be empty"),
        (_record(text="<drop>"), "text: missing"),
        (_record(source="dw-en"), "source: unknown key"),
        (_record(lang="english"), "lang: expected a code such as en or pt-BR"),
        (_record(duplicate_of="b", dup_kind="translation"), "duplicate_of: 'b' is neither a seed"),
    ],
)
def test_a_bad_record_names_its_line_and_key(
    tmp_path: Path, record: dict[str, Any], message: str
) -> None:
    good = _record(id="z", url="https://eval.example/z")
    path = _write(tmp_path, good, record)
    with pytest.raises(RecordError) as caught:
        read_records([path], [SEED])
    assert str(caught.value).startswith(f"{path}:2: ")
    assert message in str(caught.value)


def test_ids_and_urls_are_unique_across_files(tmp_path: Path) -> None:
    first = _write(tmp_path, _record(), name="one.jsonl")
    again = _write(tmp_path, _record(url="https://eval.example/other"), name="two.jsonl")
    with pytest.raises(RecordError, match=r"two.jsonl:1: id: 'a' is taken, at .*one.jsonl:1"):
        read_records([first, again], [])
    same_url = _write(tmp_path, _record(id="b"), name="three.jsonl")
    with pytest.raises(RecordError, match=r"three.jsonl:1: url: "):
        read_records([first, same_url], [])
    # A record of the second file may point at one of the first.
    copy = _record(id="b", url="https://eval.example/b", duplicate_of="a", dup_kind="translation")
    copy_file = _write(tmp_path, copy, name="four.jsonl")
    assert [r.id for r in read_records([first, copy_file], [])] == ["a", "b"]


def test_a_line_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps(_record()) + "\n\n{oops\n", encoding="utf-8")
    with pytest.raises(RecordError, match=r"set.jsonl:3: not JSON: .*\(column 2\)"):
        read_records([path], [])
    path.write_text("[1, 2]\n", encoding="utf-8")
    with pytest.raises(RecordError, match=r"set.jsonl:1: expected a JSON object, found list"):
        read_records([path], [])
