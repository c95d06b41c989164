"""``spec.problems``: problems of one kind are capped, and the count of the rest is told in one line."""

from __future__ import annotations

from kiban_platform.spec.problems import Problem, capped, known_ids, problem_kind


def _duplicate(index: int) -> Problem:
    return Problem(("sites", index, "id"), f"duplicate site id 'site-{index}' (first at index {index - 1})", index)


def test_problems_of_one_kind_differ_only_in_their_indexes_names_and_numbers() -> None:
    assert problem_kind(_duplicate(3)) == problem_kind(_duplicate(900))
    assert problem_kind(_duplicate(3)) == ("sites[*].id", "duplicate site id '…' (first at index #)")
    assert problem_kind(_duplicate(3)) != problem_kind(Problem(("links", 3, "id"), "duplicate link id 'a'"))


def test_beyond_the_cap_one_line_counts_the_rest_of_a_kind_where_the_first_of_them_was() -> None:
    other = Problem(("links", 0, "id"), "duplicate link id 'a' (first at index 0)")
    problems = [_duplicate(index) for index in range(1, 31)]
    problems.insert(5, other)
    kept = capped(problems, per_kind=20)
    assert kept[:21] == [*problems[:5], other, *problems[6:21]]
    assert kept[21].path == ("sites", 21, "id") and kept[21].line == 21
    assert kept[21].message == "… and 10 more problems of this kind (at sites[*].id)"
    assert len(kept) == 22


def test_up_to_the_cap_nothing_is_left_out() -> None:
    problems = [_duplicate(index) for index in range(1, 21)]
    assert capped(problems, per_kind=20) == problems
    assert capped([*problems, _duplicate(21)], per_kind=20)[-1].message == (
        "… and 1 more problem of this kind (at sites[*].id)"
    )


def test_known_ids_lists_a_few_and_counts_them_all() -> None:
    assert known_ids([]) == "none"
    assert known_ids(["a", "b"]) == "a, b"
    ids = [f"s{index}" for index in range(1000)]
    assert known_ids(ids, shown=3) == "s0, s1, s2, … (1,000 in all)"
    assert known_ids(ids[:3], shown=3) == "s0, s1, s2"
