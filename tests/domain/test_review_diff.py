"""The question-by-question difference between two submissions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ppp_assess.domain.review_diff import ChangeKind, DocumentRef, FieldChange, diff_snapshots


def entry(value=None, comment="", evidence=()):
    return {"value": value, "comment": comment, "evidence": list(evidence)}


def test_identical_snapshots_have_no_changes() -> None:
    snapshot = {"q1": entry("yes", "see policy", ["https://example.org/a"]), "q2": entry(3)}
    assert diff_snapshots(snapshot, dict(snapshot)) == ()


def test_a_new_answer_is_added() -> None:
    (change,) = diff_snapshots({}, {"q1": entry("yes")})
    assert change.question_id == "q1"
    assert change.kind == ChangeKind.added
    assert change.value == FieldChange(ChangeKind.added, None, "yes")
    assert change.comment is None
    assert change.evidence_added == change.evidence_removed == ()


def test_a_cleared_answer_is_removed() -> None:
    (change,) = diff_snapshots({"q1": entry("no", "draft note")}, {})
    assert change.kind == ChangeKind.removed
    assert change.value == FieldChange(ChangeKind.removed, "no", None)
    assert change.comment == FieldChange(ChangeKind.removed, "draft note", "")


def test_a_changed_value_keeps_before_and_after() -> None:
    (change,) = diff_snapshots({"q1": entry("partly")}, {"q1": entry("yes")})
    assert change.kind == ChangeKind.changed
    assert change.value == FieldChange(ChangeKind.changed, "partly", "yes")
    assert change.comment is None


def test_only_the_comment_changed() -> None:
    (change,) = diff_snapshots({"q1": entry("yes", "old")}, {"q1": entry("yes", "new")})
    assert change.kind == ChangeKind.changed
    assert change.value is None
    assert change.comment == FieldChange(ChangeKind.changed, "old", "new")


def test_a_comment_added_to_an_existing_answer() -> None:
    (change,) = diff_snapshots({"q1": entry("yes")}, {"q1": entry("yes", "because")})
    assert change.kind == ChangeKind.changed
    assert change.comment == FieldChange(ChangeKind.added, "", "because")


def test_evidence_links_added_and_removed() -> None:
    before = {"q1": entry("yes", evidence=["https://a.example/1", "https://a.example/2"])}
    after = {"q1": entry("yes", evidence=["https://a.example/2", "https://a.example/3"])}
    (change,) = diff_snapshots(before, after)
    assert change.value is None and change.comment is None
    assert change.evidence_added == ("https://a.example/3",)
    assert change.evidence_removed == ("https://a.example/1",)


def test_reordered_evidence_and_multi_choice_are_unchanged() -> None:
    before = {"q1": entry(["a", "b"], evidence=["https://x.example/1", "https://x.example/2"])}
    after = {"q1": entry(["b", "a"], evidence=["https://x.example/2", "https://x.example/1"])}
    assert diff_snapshots(before, after) == ()


def test_a_changed_selection_of_a_multi_choice() -> None:
    (change,) = diff_snapshots({"q1": entry(["a", "b"])}, {"q1": entry(["a"])})
    assert change.value == FieldChange(ChangeKind.changed, ["a", "b"], ["a"])


def test_numbers_compare_by_value_but_booleans_are_not_numbers() -> None:
    assert diff_snapshots({"q1": entry(3)}, {"q1": entry(3.0)}) == ()
    (change,) = diff_snapshots({"q1": entry(1)}, {"q1": entry(True)})
    assert change.value == FieldChange(ChangeKind.changed, 1, True)


def test_zero_is_an_answer_not_nothing() -> None:
    (change,) = diff_snapshots({}, {"q1": entry(0)})
    assert change.kind == ChangeKind.added
    assert change.value == FieldChange(ChangeKind.added, None, 0)


def test_an_entry_without_anything_counts_as_no_answer() -> None:
    assert diff_snapshots({"q1": entry()}, {}) == ()
    (change,) = diff_snapshots({"q1": entry()}, {"q1": entry("yes")})
    assert change.kind == ChangeKind.added


def test_malformed_entries_are_read_as_no_answer() -> None:
    (change,) = diff_snapshots({"q1": "garbage", "q2": {"value": "x", "evidence": "nope"}},
                               {"q1": entry("yes"), "q2": entry("x")})
    assert change.question_id == "q1"
    assert change.kind == ChangeKind.added


def test_changes_follow_the_document_order_unknown_ids_last() -> None:
    before = {"b": entry(1), "a": entry(1), "zzz": entry(1), "c": entry(1)}
    after = {"b": entry(2), "a": entry(2), "zzz": entry(2), "c": entry(2), "old": entry(2)}
    changes = diff_snapshots(before, after, order=["c", "a", "b"])
    assert [change.question_id for change in changes] == ["c", "a", "b", "old", "zzz"]


answers = st.dictionaries(
    st.sampled_from(["q1", "q2", "q3", "q4"]),
    st.fixed_dictionaries({
        "value": st.one_of(st.none(), st.sampled_from(["yes", "no"]), st.integers(0, 5)),
        "comment": st.sampled_from(["", "a", "b"]),
        "evidence": st.lists(st.sampled_from(["https://e.example/1", "https://e.example/2"]),
                             unique=True),
    }),
)


@given(answers, answers)
def test_diff_is_symmetric_in_what_it_reports(before, after) -> None:
    forward = diff_snapshots(before, after)
    backward = diff_snapshots(after, before)
    assert [change.question_id for change in forward] == [
        change.question_id for change in backward]
    for one, other in zip(forward, backward, strict=True):
        assert one.evidence_added == other.evidence_removed
        assert one.evidence_removed == other.evidence_added
        if one.value is not None:
            assert other.value is not None
            assert (one.value.before, one.value.after) == (other.value.after, other.value.before)


@given(answers)
def test_a_snapshot_never_differs_from_itself(snapshot) -> None:
    assert diff_snapshots(snapshot, snapshot) == ()


def _file(sha: str, name: str) -> dict[str, str]:
    return {"sha256": sha * 64, "name": name}


def test_files_attached_and_detached_are_listed_by_content_and_name() -> None:
    before = {"q1": {"value": "yes", "comment": "", "evidence": [],
                     "documents": [_file("a", "contract.pdf"), _file("b", "notice.pdf")]}}
    after = {"q1": {"value": "yes", "comment": "", "evidence": [],
                    "documents": [_file("b", "notice.pdf"), _file("c", "contract-signed.pdf")]}}
    (change,) = diff_snapshots(before, after, ["q1"])
    assert change.kind == ChangeKind.changed and change.value is None
    assert change.documents_added == (DocumentRef("c" * 64, "contract-signed.pdf"),)
    assert change.documents_removed == (DocumentRef("a" * 64, "contract.pdf"),)


def test_a_file_alone_makes_an_entry_and_the_same_files_make_no_change() -> None:
    only_file = {"q1": {"value": None, "comment": "", "evidence": [],
                        "documents": [_file("a", "log.csv")]}}
    (change,) = diff_snapshots({}, only_file, ["q1"])
    assert change.kind == ChangeKind.added
    assert change.documents_added == (DocumentRef("a" * 64, "log.csv"),)
    assert diff_snapshots(only_file, only_file, ["q1"]) == ()
    # Snapshots from before files were frozen with submissions read as having none.
    (gone,) = diff_snapshots(only_file, {"q1": {"value": None, "comment": ""}}, ["q1"])
    assert gone.kind == ChangeKind.removed and gone.documents_removed
