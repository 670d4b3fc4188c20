"""Grade arithmetic: weights, rounding at letter boundaries, W / I / TC, GPA and credits."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from school.cohorts.grade_arithmetic import (
    Item,
    ResultState,
    Scale,
    course_result,
    standing,
    weighted_percent,
)

SCALE = Scale(a=D(90), b=D(80), c=D(70), d=D(60), pass_mark=D(70))


def result(items, special=None, credits="3", code="C1"):
    return course_result(
        course_id=1,
        code=code,
        title="Course",
        credit_hours=D(credits),
        scale=SCALE,
        items=items,
        special=special,
    )


def test_weighted_percent_uses_the_weights_and_each_maximum():
    # quizzes 20% (45/50 = 90%), assignments 30% (70/100), exams 50% (160/200 = 80%)
    items = [Item(D(20), D(50), D(45)), Item(D(30), D(100), D(70)), Item(D(50), D(200), D(160))]
    assert weighted_percent(items) == D("79.00")  # 18 + 21 + 40
    r = result(items)
    assert (r.state, r.percent, r.letter, r.points, r.passed) == (
        ResultState.FINAL,
        D("79.00"),
        "C",
        D(2),
        True,
    )


@pytest.mark.parametrize(
    ("points", "percent", "letter"),
    [
        ("179.99", "90.00", "A"),  # 89.995 % rounds half up to 90.00: an A
        ("179.98", "89.99", "B"),  # 89.990 %
        ("179.989", "89.99", "B"),  # 89.9945 % stays 89.99
        ("139.99", "70.00", "C"),  # 69.995 % → 70.00: passes the 70 % mark
        ("139.98", "69.99", "D"),  # 69.99 %: below the pass mark
    ],
)
def test_rounding_at_letter_boundaries_follows_the_shown_percent(points, percent, letter):
    # One assessment out of 200 points: the percent is points / 2 (179.99 → 89.995 %).
    r = result([Item(D(100), D(200), D(points))])
    assert str(r.percent) == percent
    assert r.letter == letter
    assert r.passed == (D(percent) >= 70)
    # Same edge through two weighted parts: 44.9975 + 45 = 89.9975 % → 90.00, an A.
    two = result([Item(D(50), D(200), D("179.99")), Item(D(50), D(100), D(90))])
    assert (two.percent, two.letter) == (D("90.00"), "A")


def test_thirds_are_exact_not_float():
    # 1/3 of the weight each, 2 of 3 points each: 66.666…% → 66.67, a D; floats drift here.
    items = [
        Item(D("33.33"), D(3), D(2)),
        Item(D("33.33"), D(3), D(2)),
        Item(D("33.34"), D(3), D(2)),
    ]
    assert weighted_percent(items) == D("66.67")


def test_missing_scores_make_a_running_result_that_is_not_final():
    r = result([Item(D(40), D(100), D(50)), Item(D(60), D(100), None)])
    assert r.state == ResultState.IN_PROGRESS
    assert r.percent == D("50.00")  # so far: only the scored 40 % counts
    assert r.points is None and r.passed is None
    assert r.failing and not r.in_gpa
    assert r.credits_attempted == 0 and r.credits_earned == 0
    assert result([Item(D(100), D(10), None)]).state == ResultState.NOT_STARTED
    assert result([]).state == ResultState.NOT_STARTED


@pytest.mark.parametrize(
    ("special", "attempted", "earned", "passing"),
    [("W", D(3), D(0), False), ("I", D(3), D(0), False), ("TC", D(3), D(3), True)],
)
def test_special_results_replace_scores_and_stay_out_of_the_gpa(
    special, attempted, earned, passing
):
    r = result([Item(D(100), D(10), D(1))], special=special)  # the 10 % score is ignored
    assert (r.state, r.letter, r.percent, r.points) == (ResultState.SPECIAL, special, None, None)
    assert not r.in_gpa and not r.failing
    assert (r.credits_attempted, r.credits_earned, r.passing) == (attempted, earned, passing)


def test_gpa_weights_points_by_credits_and_ignores_w_i_tc():
    a = result([Item(D(100), D(100), D(95))], credits="4")  # A, 4 points × 4
    c = result([Item(D(100), D(100), D(72))], credits="3")  # C, 2 points × 3
    f = result([Item(D(100), D(100), D(40))], credits="2")  # F, 0 × 2 (attempted, not earned)
    w = result([], special="W", credits="3")
    tc = result([], special="TC", credits="5")
    s = standing([a, c, f, w, tc])
    assert s.gpa == D("2.44")  # (16 + 6 + 0) / 9 = 2.444…
    assert s.credits_attempted == D(4 + 3 + 2 + 3 + 5)
    assert s.credits_earned == D(4 + 3 + 5)
    assert s.credits_required == D(17)
    assert [r.code for r in s.failing] == [f.code]
    assert s.at_risk


def test_d_counts_in_the_gpa_but_earns_no_credit_below_the_pass_mark():
    d = result([Item(D(100), D(100), D(65))])
    assert (d.letter, d.points, d.passed, d.credits_earned) == ("D", D(1), False, D(0))
    assert standing([d]).gpa == D("1.00")


def test_no_graded_course_means_no_gpa_and_at_risk_needs_a_reason():
    s = standing([result([], special="TC"), result([Item(D(100), D(10), None)])])
    assert s.gpa is None
    assert not s.at_risk
    good = standing([result([Item(D(100), D(100), D(85))])])
    assert good.gpa == D("3.00") and not good.at_risk
    low = standing([result([Item(D(100), D(100), D(71))]), result([Item(D(100), D(100), D(70))])])
    assert low.gpa == D("2.00") and not low.at_risk  # exactly 2.00 is not under 2.00
