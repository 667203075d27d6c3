"""Campaign lift against a synthetic control with placebo-calibrated intervals (``core.retro.counterfactual``)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from core.narrators.retro_effect import effect_text
from core.retro.controls import campaign_counterfactual, slice_frames
from core.retro.counterfactual import FIT_CHOICES, SHORT_FIT_DAYS, CounterfactualLift, campaign_lift
from core.retro.experiment import plan_experiment

START, END = dt.date(2026, 10, 1), dt.date(2026, 10, 14)


def slice_frame(
    seed: int, level: float, lift: float = 0.0, window: tuple[dt.date, dt.date] = (START, END)
) -> pd.DataFrame:
    """150 days ending 2026-10-20: a weekly profile and a trend shared by every slice, 2 % own noise; ``lift``
    raises revenue (边现) inside the campaign ``window``."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(end="2026-10-20", periods=150, freq="D")
    common = np.exp(np.linspace(0, 0.15, len(days))) * np.where(days.day_of_week >= 5, 1.25, 1.0)
    dau = level * common * rng.lognormal(0, 0.02, len(days))
    arpu = 0.9 * rng.lognormal(0, 0.02, len(days)) * np.where(days.day_of_week >= 5, 1.1, 1.0)
    inside = (days >= pd.Timestamp(window[0])) & (days <= pd.Timestamp(window[1]))
    revenue = dau * arpu * np.where(inside, 1 + lift, 1.0)
    return pd.DataFrame(
        {"dau": dau, "revenue": revenue, "new_members": dau * 0.01, "renew_members": dau * 0.02}, index=days
    )


def controls() -> dict[str, pd.DataFrame]:
    return {f"segment=C{i}": slice_frame(10 + i, 2000.0 * (i + 1)) for i in range(4)}


def test_a_real_lift_is_measured_with_an_interval_that_covers_it() -> None:
    result = campaign_lift(slice_frame(1, 5000.0, lift=0.10), controls(), START, END)
    arpu = result.metrics["arpu"]
    assert result.verdict == "effective"
    assert abs(arpu.lift - 0.10) < 0.02
    assert arpu.lift_low < 0.10 < arpu.lift_high and arpu.lift_low > 0
    assert arpu.p_value < 0.01
    assert abs(result.metrics["revenue"].lift - 0.10) < 0.03 and abs(result.metrics["dau"].lift) < 0.03
    assert result.mde is not None and 0 < result.mde < 0.05
    assert result.placebo_windows >= 6 and result.controls
    assert len(result.daily) == 14 and all(actual > cf for _, actual, cf in result.daily[:3])


def test_no_lift_is_no_effect() -> None:
    result = campaign_lift(slice_frame(2, 5000.0), controls(), START, END)
    assert result.verdict == "no_effect"
    arpu = result.metrics["arpu"]
    assert arpu.lift_low < 0 < arpu.lift_high and arpu.p_value > 0.1


def test_the_weekly_profile_and_trend_do_not_leak_into_the_lift() -> None:
    """The naive before/after of revenue carries the trend and the weekday mix; the counterfactual does not."""
    treated = slice_frame(3, 5000.0)
    result = campaign_lift(treated, controls(), START, END - dt.timedelta(days=4))  # 10 days: 4 weekend days
    assert abs(result.metrics["revenue"].lift) < 0.03


def test_undetermined_says_why() -> None:
    treated = slice_frame(4, 5000.0)
    assert campaign_lift(treated, controls(), START, START + dt.timedelta(days=1)).reason == "too_short"
    assert campaign_lift(treated, {}, START, END).reason == "no_controls"
    late = treated.loc["2026-08-20":]  # 60 days of history: no room for six placebo windows
    one = dict(list(controls().items())[:1])  # and one control: none left to measure it as if treated
    short = campaign_lift(late, {k: v.loc["2026-08-20":] for k, v in one.items()}, START, END)
    assert short.verdict == "undetermined" and short.reason == "short_history"


def test_a_campaign_early_in_the_data_is_fitted_on_the_days_it_has() -> None:
    """The data begin 10 days before the launch (a team's first import, the demo's first campaigns): too few
    for a 28-day fit, enough for SHORT_FIT_DAYS; its placebos are fitted alike, so the interval still covers."""
    early = (dt.date(2026, 6, 3), dt.date(2026, 6, 16))  # the frames begin on 2026-05-24
    result = campaign_lift(slice_frame(7, 5000.0, lift=0.10, window=early), controls(), *early)
    assert result.fit_days == SHORT_FIT_DAYS and result.verdict == "effective"
    arpu = result.metrics["arpu"]
    assert arpu.lift_low < 0.10 < arpu.lift_high and result.placebo_windows >= 6
    assert campaign_lift(slice_frame(7, 5000.0, window=early), controls(), *early).verdict == "no_effect"
    text = effect_text(result, lambda zh, en: zh)
    assert "活动前的历史较短：对照按活动前 14 天拟合，区间按同样的拟合校准" in text
    longer = campaign_lift(slice_frame(6, 5000.0, lift=0.10), controls(), START, END)
    assert longer.fit_days in FIT_CHOICES and "历史较短" not in effect_text(longer, lambda zh, en: zh)
    too_early = (dt.date(2026, 5, 28), dt.date(2026, 6, 10))  # 4 days before it: nothing to fit on
    assert (
        campaign_lift(slice_frame(6, 5000.0, window=too_early), controls(), *too_early).reason
        == "short_history"
    )


def test_placebo_windows_avoid_other_campaigns_and_say_so_when_they_cannot() -> None:
    treated = slice_frame(4, 5000.0)
    clean = campaign_lift(
        treated, controls(), START, END, blocked=[(dt.date(2026, 8, 1), dt.date(2026, 8, 14))], fit_days=28
    )
    assert clean.placebos_overlap_campaigns is False
    free = campaign_lift(treated, controls(), START, END, fit_days=28)
    assert 0 < clean.placebo_windows < free.placebo_windows  # the windows touching 08-01~08-14 are left out
    busy = [(dt.date(2026, m, 1), dt.date(2026, m, 14)) for m in (6, 7, 8, 9)]  # half of every month
    crowded = campaign_lift(treated, controls(), START, END, blocked=busy)
    assert crowded.placebos_overlap_campaigns is True and crowded.placebo_windows >= 6
    assert crowded.verdict == "no_effect"
    no_fit = campaign_lift(  # five campaign-free days before the launch: too few to fit on, even 14 days'
        treated, controls(), START, END, blocked=[(dt.date(2026, 5, 1), dt.date(2026, 9, 25))]
    )
    assert no_fit.verdict == "undetermined" and no_fit.reason == "short_history"


def test_a_slice_with_too_few_windows_of_its_own_is_calibrated_on_its_controls() -> None:
    """60 days of history leave no six windows of the slice's own: its controls, each measured as if it were
    the treated slice at the campaign's dates and its nearest windows, calibrate the interval."""
    late = {name: frame.loc["2026-08-20":] for name, frame in controls().items()}
    for lift, verdict in ((0.0, "no_effect"), (0.10, "effective")):
        result = campaign_lift(slice_frame(1, 5000.0, lift=lift).loc["2026-08-20":], late, START, END)
        arpu = result.metrics["arpu"]
        assert result.placebos_in_space is True and result.placebo_windows >= 6
        assert result.verdict == verdict and arpu.lift_low < lift < arpu.lift_high
        assert abs(arpu.lift - lift) < 0.02
    full = campaign_lift(slice_frame(1, 5000.0), controls(), START, END)
    assert full.placebos_in_space is False  # enough windows of its own


def test_placebos_in_space_are_rescaled_to_the_slices_own_noise() -> None:
    """A noisy slice (10 % more daily noise in its revenue) among quiet controls: their errors, taken as they
    are, would give it an interval about 0.4× the width its own windows give it with a long history (its real
    noise); rescaled by the ratio of the day-to-day noise of each slice's gap to its controls, it keeps most of
    that width."""
    treated = slice_frame(1, 5000.0)
    treated["revenue"] *= np.random.default_rng(101).lognormal(0, 0.10, len(treated))
    own = campaign_lift(treated, controls(), START, END)
    late = {name: frame.loc["2026-08-20":] for name, frame in controls().items()}
    spaced = campaign_lift(treated.loc["2026-08-20":], late, START, END)
    assert own.placebos_in_space is False and spaced.placebos_in_space is True

    def width(result: CounterfactualLift) -> float:
        return result.metrics["arpu"].lift_high - result.metrics["arpu"].lift_low

    assert 0.6 * width(own) < width(spaced) < 1.5 * width(own)


def test_the_fit_window_kept_is_the_one_whose_placebos_err_least() -> None:
    """28 and 56 fit days are both tried and the one with the smaller 边现 placebo spread is kept (its interval
    from the errors of the whole procedure, choice included: ``core.retro.placebos.select_fit``). A slice
    whose 边现 drifts away from its controls (+0.2 % a day) is fitted on the shorter window: the longer one's
    ratio lags behind the drift."""
    for seed, longer_wins in ((1, True), (3, False)):  # the same steady slice, two draws of its noise
        steady = slice_frame(seed, 5000.0, lift=0.05)
        tried = {days: campaign_lift(steady, controls(), START, END, fit_days=days) for days in (28, 56)}
        kept = campaign_lift(steady, controls(), START, END)
        best = min(tried.values(), key=lambda r: r.placebo_spread or 0.0)
        assert kept.fit_days == best.fit_days == (56 if longer_wins else 28)
        assert kept.daily == best.daily  # its counterfactual

    drifting = slice_frame(3, 5000.0)
    drifting["revenue"] *= np.exp(0.002 * np.arange(len(drifting)))
    result = campaign_lift(drifting, controls(), START, END)
    assert result.fit_days == 28
    longer = campaign_lift(drifting, controls(), START, END, fit_days=56)
    assert longer.placebo_spread is not None and result.placebo_spread is not None
    assert longer.placebo_spread > result.placebo_spread


def test_the_interval_carries_the_choice_of_the_fit() -> None:
    """Each window's error is taken under the fit chosen on the other windows: where the two fits' errors
    disagree about which is better, the procedure's errors are those of neither alone."""
    from core.retro.placebos import Placebo, select_fit

    def placebos(errors: list[float]) -> list[Placebo]:
        day = dt.date(2026, 1, 5)
        return [
            Placebo(day + dt.timedelta(weeks=i), dict.fromkeys(("arpu", "revenue", "dau", "conversion"), e),
                    None, (), 14, 28)  # type: ignore[arg-type]
            for i, e in enumerate(errors)
        ]  # fmt: skip

    short = placebos([0.01, -0.01, 0.01, -0.01, 0.01, -0.01, 0.01, 0.10])  # steady but for one window
    long = placebos([0.02, -0.02, 0.02, -0.02, 0.02, -0.02, 0.02, -0.02])
    best, errors = select_fit([short, long])
    assert best == 1  # the outlier makes the short fit's spread the larger
    # left out, the outlier window is judged by the short fit (steadier on the rest): its error is 0.10
    assert errors["arpu"][-1] == pytest.approx(0.10) and list(errors["arpu"][:-1]) == [0.02, -0.02] * 3 + [
        0.02
    ]
    only, own = select_fit([long])
    assert only == 0 and list(own["arpu"]) == [0.02, -0.02] * 4


def test_the_fit_skips_a_previous_campaign_on_the_slice() -> None:
    """A +20 % campaign ending the week before: fitted on, it would raise the baseline and make a campaign
    of no effect look like a loss."""
    treated = slice_frame(7, 5000.0)
    before = (treated.index >= "2026-09-05") & (treated.index <= "2026-09-24")
    treated.loc[before, "revenue"] *= 1.2
    result = campaign_lift(
        treated, controls(), START, END, blocked=[(dt.date(2026, 9, 5), dt.date(2026, 9, 24))]
    )
    assert result.verdict == "no_effect" and abs(result.metrics["arpu"].lift) < 0.02
    naive = campaign_lift(treated, controls(), START, END)  # not told: the lifted days are in the fit
    assert naive.metrics["arpu"].lift < -0.04


def test_a_controls_own_campaign_days_are_left_out_of_it() -> None:
    """Every control runs a +25 % campaign over the same days: left in, it would cancel the slice's +10 %."""
    lifted = {}
    for name, frame in controls().items():
        frame = frame.copy()
        frame.loc[START.isoformat() : "2026-10-07", "revenue"] *= 1.25
        lifted[name] = frame
    own = {name: [(START, dt.date(2026, 10, 7))] for name in lifted}
    result = campaign_lift(slice_frame(1, 5000.0, lift=0.10), lifted, START, END, control_blocked=own)
    assert result.controls_have_campaigns is True
    assert abs(result.metrics["arpu"].lift - 0.10) < 0.02 and result.verdict == "effective"
    blind = campaign_lift(slice_frame(1, 5000.0, lift=0.10), lifted, START, END)
    assert blind.metrics["arpu"].lift < 0.02  # the controls' lift hides most of the slice's


def test_one_controls_level_shift_does_not_move_the_counterfactual() -> None:
    """The median over the controls' predictions: one control dropping 25 % at the launch is outvoted."""
    shifted = controls()
    first = campaign_lift(slice_frame(2, 5000.0), shifted, START, END).controls[0]
    frame = shifted[first]
    frame.loc[frame.index >= pd.Timestamp(START), ["dau", "revenue"]] *= 0.75
    frame.loc[frame.index >= pd.Timestamp(START), "revenue"] *= 0.75  # its 边现 falls too
    result = campaign_lift(slice_frame(2, 5000.0), shifted, START, END)
    assert first in result.controls and len(result.controls) >= 3
    assert result.verdict == "no_effect" and abs(result.metrics["arpu"].lift) < 0.02


def test_a_control_shocked_during_the_campaign_widens_the_interval_instead_of_faking_a_lift() -> None:
    """Two controls are busy with their own campaigns, so two predict the slice; one of them loses 20 % of
    its 边现 at the launch. No placebo window saw that shock: the controls' disagreement over the campaign
    widens the interval so that it still covers no effect, and the verdict is not 有效."""
    names = list(controls())
    busy = {names[0]: [(START, END)], names[1]: [(START, END)]}
    calm = campaign_lift(slice_frame(2, 5000.0), controls(), START, END, control_blocked=busy)
    assert calm.control_disagreement == 0.0 and calm.metrics["arpu"].lift_high < 0.03

    shocked = controls()
    frame = shocked[names[2]]
    frame.loc[frame.index >= pd.Timestamp(START), "revenue"] *= 0.8
    result = campaign_lift(slice_frame(2, 5000.0), shocked, START, END, control_blocked=busy)
    arpu = result.metrics["arpu"]
    assert arpu.lift > 0.05  # the counterfactual is pulled down by the shocked control
    assert result.control_disagreement > 0.05 and arpu.lift_low < 0 < arpu.lift_high
    assert result.verdict == "no_effect"


def test_controls_are_every_other_value_with_their_own_campaigns_days() -> None:
    frames = {"T": slice_frame(5, 5000.0), **{f"C{i}": slice_frame(20 + i, 3000.0) for i in range(3)}}

    def daily(scope: dict[str, str]) -> pd.DataFrame:
        return frames[scope["segment"]]

    def campaign(campaign_id: str, segment: str, start: str, end: str) -> dict[str, object]:
        return {"campaign_id": campaign_id, "target_segment": segment, "start_date": start, "end_date": end}

    library = pd.DataFrame(
        [campaign("X1", "T", "2026-10-01", "2026-10-14"), campaign("X2", "C0", "2026-09-20", "2026-10-05"),
         campaign("X3", "C1", "2026-10-10", "2026-10-30"), campaign("X4", "T", "2026-08-01", "2026-08-07")]
    )  # fmt: skip
    values = ["T", "C0", "C1", "C2"]
    lift = campaign_counterfactual(
        slice_frames("segment", "T", values, START, END, library, daily, exclude="X1"), START, END
    )
    frames_t = slice_frames("segment", "T", values, START, END, library, daily, exclude="X1")
    assert sorted(frames_t.controls) == ["segment=C0", "segment=C1", "segment=C2"]  # every other value
    assert frames_t.blocked == [(dt.date(2026, 8, 1), dt.date(2026, 8, 7))]  # T's other campaign, not X1
    assert frames_t.control_blocked["segment=C0"] == [(dt.date(2026, 9, 20), dt.date(2026, 10, 5))]
    assert frames_t.control_blocked["segment=C2"] == []
    assert lift.verdict == "no_effect" and lift.controls_have_campaigns is False  # C2 ran none
    crowded = pd.concat([library, pd.DataFrame([campaign("X5", "C2", "2026-09-25", "2026-10-03")])])
    fallback = campaign_counterfactual(
        slice_frames("segment", "T", values, START, END, crowded, daily, exclude="X1"), START, END
    )
    assert fallback.controls_have_campaigns is True and len(fallback.controls) >= 1
    assert fallback.verdict == "no_effect"


def test_a_saved_retro_carries_the_measured_lift_in_its_notes() -> None:
    from core.retro.counterfactual import CounterfactualLift, MetricLift
    from core.retro.library import _counterfactual_summary

    arpu = MetricLift(
        metric="arpu",
        actual=1.08,
        counterfactual=1.0,
        lift=0.082,
        lift_low=0.051,
        lift_high=0.11,
        p_value=0.01,
    )
    lift = CounterfactualLift(
        start=START, end=END, controls=["segment=C0"], verdict="effective", metrics={"arpu": arpu}
    )
    facts = SimpleNamespace(counterfactual=lift)
    assert _counterfactual_summary(facts) == "对比无活动的反事实：边现+8.2%（80%：+5.1%~+11.0%），有效。"  # type: ignore[arg-type]
    assert _counterfactual_summary(SimpleNamespace(counterfactual=None)) == ""  # type: ignore[arg-type]


def test_an_experiment_plan_gives_the_detectable_effect_and_the_days_needed() -> None:
    launch = dt.date(2026, 10, 21)  # the day after the data
    quiet = plan_experiment(slice_frame(6, 5000.0), controls(), "arpu", 14, 0.05, launch)
    assert quiet.mde is not None and 0 < quiet.mde < 0.05
    assert quiet.days_needed is not None and quiet.days_needed <= 14
    assert [o.days for o in quiet.options][:2] == [7, 14] and all(
        o.placebo_windows >= 6 for o in quiet.options
    )
    assert quiet.controls
    noisy_frame = slice_frame(6, 5000.0)
    noisy_frame["revenue"] *= np.random.default_rng(9).lognormal(0, 0.08, len(noisy_frame))
    noisy = plan_experiment(noisy_frame, controls(), "arpu", 14, 0.05, launch)
    assert noisy.mde is not None and noisy.mde > 1.5 * quiet.mde  # a noisier slice needs a larger effect
    tiny = plan_experiment(noisy_frame, controls(), "arpu", 14, 0.001, launch)
    assert tiny.days_needed is None  # no candidate length detects +0.1 %
    nothing = plan_experiment(slice_frame(6, 5000.0), {}, "arpu", 14, 0.05, launch)
    assert nothing.options == [] and nothing.mde is None


def test_the_detectable_effect_is_on_the_verdicts_scale() -> None:
    """Few placebo windows widen the MDE as they widen the interval: t(n − 1) and √(1 + 1/n), not z."""
    import math

    from core.retro.counterfactual import detectable_effect

    few, many = detectable_effect(0.02, 6), detectable_effect(0.02, 200)
    assert few == pytest.approx(math.expm1((2.015 + 0.920) * 0.02 * math.sqrt(1 + 1 / 6)), rel=1e-3)
    assert many == pytest.approx(math.expm1((1.645 + 0.842) * 0.02), rel=1e-2)
    assert few > 1.25 * many


def content_split(frame: pd.DataFrame, film_share: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A slice split into its 电影 part (``film_share`` of every measure) and the rest."""
    return frame * film_share, frame * (1 - film_share)


def films_taken_down(lift: float) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], list]:
    """From the launch every slice's 电影 revenue falls 25 %. The treated segment (its 边现 raised by ``lift``
    in the campaign) watches 10 % films, its controls 70 %: the slices, and the same split by content."""

    def shocked(part: pd.DataFrame) -> pd.DataFrame:
        part = part.copy()
        part.loc[pd.Timestamp(START) :, "revenue"] *= 0.75
        return part

    treated_film, treated_rest = content_split(slice_frame(2, 5000.0, lift=lift), 0.1)
    control_parts = {name: content_split(frame, 0.7) for name, frame in controls().items()}
    treated = shocked(treated_film) + treated_rest
    whole = {name: shocked(film) + rest for name, (film, rest) in control_parts.items()}
    strata = [
        (shocked(treated_film), {name: shocked(film) for name, (film, _) in control_parts.items()}),
        (treated_rest, {name: rest for name, (_, rest) in control_parts.items()}),
    ]
    return treated, whole, strata


def test_a_shock_on_one_content_is_compared_within_it() -> None:
    """Against the controls' median the treated segment shows a lift it never had; compared within each
    content type the shock hits both sides alike, and a real +10 % is measured as such."""
    treated, whole, strata = films_taken_down(0.0)
    blind = campaign_lift(treated, whole, START, END)
    assert blind.metrics["arpu"].lift > 0.10 and blind.verdict == "effective"  # a lift it never had
    within = campaign_lift(treated, whole, START, END, strata=strata)
    assert abs(within.metrics["arpu"].lift) < 0.02 and within.verdict == "no_effect"
    treated, whole, strata = films_taken_down(0.10)
    lifted = campaign_lift(treated, whole, START, END, strata=strata)
    assert abs(lifted.metrics["arpu"].lift - 0.10) < 0.02 and lifted.verdict == "effective"
    assert lifted.metrics["arpu"].lift_low < 0.10 < lifted.metrics["arpu"].lift_high


def test_the_stratum_is_the_dimension_whose_mix_differs_most() -> None:
    from core.retro.strata import stratum_dimension

    mixes = {  # DAU by value: the treated segment against the whole cube
        ("content_type", True): {"电影": 10, "综艺": 90},
        ("content_type", False): {"电影": 400, "综艺": 600},
        ("platform", True): {"手机": 60, "TV": 40},
        ("platform", False): {"手机": 600, "TV": 400},
    }

    def breakdown(by: str, scope: dict, first: dt.date, last: dt.date) -> pd.DataFrame:
        mix = mixes[(by, bool(scope))]
        return pd.DataFrame({"date": [first] * len(mix), "value": list(mix), "dau": list(mix.values())})

    launch = dt.date(2026, 10, 1)
    dims = ["segment", "content_type", "platform"]
    assert stratum_dimension("segment", "综艺轻度", dims, launch, breakdown) == "content_type"
    assert (
        stratum_dimension("segment", "综艺轻度", ["segment", "platform"], launch, breakdown) is None
    )  # same mix
