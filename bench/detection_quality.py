"""Detection quality on demo cubes with known injected events: precision, recall, F1, root-cause F1.

Each scenario is a 180-day demo cube (``core.demo.generate_demo``) with its ground truth: the default
showcase scenario and ``random_scenario`` for several seeds and end dates (spikes, drops, level shifts,
slice-only drops, benign holiday surges and benign free-trial surges). Every day of the last ``--scan-days``
days is scanned in one ``scan`` call (with the demo's campaign calendar), and the *notifying* alerts are
matched against the events.

Matching rule
-------------
* An event's **scored days** are its days (``start .. end``); for a level shift only its first 3 days
  (later days are the new normal: the alert lifecycle dedups a continuing shift).
* An event **moves** a metric when its measure factors (``core.demo.injections.measure_factors``) change
  the metric's numerator and denominator differently (a revenue drop moves revenue and 边现; a total DAU drop
  moves DAU, revenue and members but not 边现), or, for a slice event, change any of its measures (the
  slice's weight inside a wider scope changes: a mix effect on 边现 or conversion).
* A notifying alert **matches** an event when it is on one of the event's scored days, its metrics (the
  leader's metric and the metrics folded into it: one alert is one incident) include a metric the event
  moves, and its effective cause (scope ∪ main root-cause slice,
  ``core.detection.grouping.effective_cause``) *overlaps* the event's slice: no dimension is fixed to two
  different values (a total-level event overlaps every cause).
* An event is **detected** when at least one notifying alert matches it. Recall = detected true events /
  true events.
* Precision = alerts matching a true event / (those + false alerts). A **false alert** is a notifying
  alert that matches no true event and is not on a later day of a level shift it overlaps (those are
  neither true nor false: lifecycle dedup). Alerts matching a benign event count as false and are also
  reported in the ``benign`` column.
* **Root-cause F1**: for each detected event, the effective cause of its most important matching alert
  on the first day it was detected is compared with the event's slice; exact dict equality is a true
  positive, anything else is one false positive (the wrong slice) and one false negative (the missed
  slice). Over detected events this F1 equals the share of exact causes.
* **False alerts per week on clean days**: notifying alerts on scanned days that lie on no event's days
  (nor on a level shift's first 3 days), per 7 such days, across every metric and slice of the scan.

* ``--campaign-effects``: the cubes carry their campaigns' true effects on their target segments
  (``DemoConfig(campaign_effects=True)``). A notifying fall on a campaign's target while it runs, where its
  true effect on the metric is a fall, is counted in **against plan** (news a manager should get), not as
  false; ``--campaign-lift-tolerance 0`` turns off the explanation by a campaign's planned lift.

Targets: detection F1 >= 0.9, root-cause F1 >= 0.8, zero notifying alerts on benign holiday surges.

Run: ``.venv/bin/python bench/detection_quality.py [--seeds 1 2 3 4 5 6] [--scan-days 150]
[--campaign-effects] [--campaign-lift-tolerance 1.5]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.calendar import ChineseCalendar
from core.cube import METRICS
from core.demo import DemoConfig, InjectedEvent, default_scenario, generate_demo, random_scenario
from core.demo.campaign_effects import CampaignEffect
from core.demo.injections import measure_factors
from core.detection import Alert, scan
from core.detection.config import DetectionConfig
from core.detection.grouping import effective_cause

CUBE_DAYS = 180
LEVEL_SHIFT_SCORED_DAYS = 3
ENDS = (dt.date(2025, 11, 23), dt.date(2026, 3, 15), dt.date(2025, 7, 20), dt.date(2026, 11, 23))


@dataclass
class Tally:
    """Counts of one scenario (or of all of them)."""

    events: int = 0
    detected: int = 0
    matched_alerts: int = 0
    false_alerts: int = 0
    rc_exact: int = 0
    benign_holiday: int = 0
    benign_trial: int = 0
    clean_days: int = 0
    clean_alerts: int = 0
    against_plan: int = 0
    misses: list[str] = field(default_factory=list)
    false_list: list[str] = field(default_factory=list)
    wrong_causes: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in ("events", "detected", "matched_alerts", "false_alerts", "rc_exact", "benign_holiday",
                     "benign_trial", "clean_days", "clean_alerts", "against_plan"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def precision(self) -> float:
        total = self.matched_alerts + self.false_alerts
        return self.matched_alerts / total if total else 1.0

    @property
    def recall(self) -> float:
        return self.detected / self.events if self.events else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def rc_f1(self) -> float:
        # TP = exact causes; each wrong cause is one FP and one FN, so precision = recall = F1
        return self.rc_exact / self.detected if self.detected else 1.0

    @property
    def false_per_week(self) -> float:
        return 7.0 * self.clean_alerts / self.clean_days if self.clean_days else 0.0


def moved_metrics(event: InjectedEvent) -> set[str]:
    """Metrics whose value the event changes: numerator and denominator scaled by different factors, or,
    for a slice event, any measure of the metric scaled (the slice's weight in every scope containing it
    changes: a mix effect on the ratio)."""
    factors = measure_factors(event)
    moved = set()
    for name, definition in METRICS.items():
        numerator = {factors.get(m, 1.0) for m in definition.numerator}
        denominator = {factors.get(m, 1.0) for m in definition.denominator} or {1.0}
        if numerator == denominator == {1.0}:
            continue
        if event.slice or not (len(numerator) == 1 and numerator == denominator):
            moved.add(name)
    return moved


def scored_days(event: InjectedEvent) -> set[dt.date]:
    length = LEVEL_SHIFT_SCORED_DAYS if event.kind == "level_shift" else event.days
    return {event.start + dt.timedelta(days=i) for i in range(length)}


def overlaps(cause: dict[str, str], slice_: dict[str, str]) -> bool:
    return all(slice_.get(k, v) == v for k, v in cause.items())


def alert_metrics(alert: Alert) -> set[str]:
    return {alert.metric} | {f.metric or alert.metric for f in alert.folded}


def matches(alert: Alert, event: InjectedEvent, days: set[dt.date]) -> bool:
    return (
        alert.date in days
        and bool(alert_metrics(alert) & moved_metrics(event))
        and overlaps(effective_cause(alert), event.slice)
    )


def against_plan(alert: Alert, effects: list[CampaignEffect]) -> bool:
    """A fall on a campaign's target while it runs, where its true effect on the metric is a fall: the
    campaign doing the opposite of its (always positive) plan, which a manager should hear about."""
    return alert.direction == "down" and any(
        e.start <= alert.date <= e.end
        and overlaps(effective_cause(alert), e.slice)
        and e.move(alert.metric) < 0
        for e in effects
    )


def score_scenario(
    alerts: list[Alert],
    events: list[InjectedEvent],
    scanned: list[dt.date],
    effects: list[CampaignEffect] | None = None,
) -> Tally:
    tally = Tally()
    window = set(scanned)
    true_events = [e for e in events if not e.benign and scored_days(e) & window]
    benign = [e for e in events if e.benign]
    shifts = [e for e in events if e.kind == "level_shift"]
    busy = set().union(*(scored_days(e) for e in events), set())
    tally.events = len(true_events)
    by_event = {id(e): [a for a in alerts if matches(a, e, scored_days(e))] for e in true_events}
    for event in true_events:
        found = by_event[id(event)]
        label = f"{event.kind}/{event.metric}{event.slice or '{}'}@{event.start} {event.magnitude:+.2f}"
        if not found:
            tally.misses.append(label)
            continue
        tally.detected += 1
        first_day = min(a.date for a in found)
        cause = effective_cause(next(a for a in found if a.date == first_day))
        if cause == event.slice:
            tally.rc_exact += 1
        else:
            tally.wrong_causes.append(f"{label} -> {cause}")
    matched_ids = {id(a) for found in by_event.values() for a in found}
    for alert in alerts:
        if id(alert) in matched_ids:
            tally.matched_alerts += 1
            continue
        continuing = any(
            alert.date >= e.start and overlaps(effective_cause(alert), e.slice)
            and bool(alert_metrics(alert) & moved_metrics(e))
            for e in shifts
        )  # fmt: skip
        if continuing:
            continue
        if against_plan(alert, effects or []):
            tally.against_plan += 1
            continue
        tally.false_alerts += 1
        label = f"{alert.date} {alert.metric}{effective_cause(alert)} {alert.pct_change:+.1%} z={alert.z:.1f}"
        for event in benign:
            if alert.date in scored_days(event):
                kind = "holiday" if event.kind == "holiday_surge" else "trial"
                setattr(tally, f"benign_{kind}", getattr(tally, f"benign_{kind}") + 1)
                label += f" [benign {kind}]"
                break
        tally.false_list.append(label)
        if alert.date not in busy:
            tally.clean_alerts += 1
    tally.clean_days = len(window - busy)
    return tally


@dataclass(frozen=True)
class Scenario:
    name: str
    end: dt.date
    seed: int
    events: list[InjectedEvent] | None  # None: the default showcase scenario


def scenarios(seeds: list[int], calendar: ChineseCalendar) -> list[Scenario]:
    out = [Scenario("default", ENDS[0], 7, None), Scenario("default-2026", ENDS[3], 7, None)]
    for seed in seeds:
        end = ENDS[seed % len(ENDS)]
        events = random_scenario(np.random.default_rng(seed), end, CUBE_DAYS, calendar)
        out.append(Scenario(f"random-{seed}", end, seed, events))
    return out


def run(
    scenario: Scenario,
    scan_days: int,
    calendar: ChineseCalendar,
    verbose: bool,
    effects: bool = False,
    config: DetectionConfig = DetectionConfig(),
) -> Tally:
    demo = generate_demo(end=scenario.end, days=CUBE_DAYS, seed=scenario.seed, events=scenario.events,
                         calendar=calendar, config=DemoConfig(campaign_effects=effects))  # fmt: skip
    if scenario.events is None:
        demo_events = default_scenario(scenario.end, CUBE_DAYS, calendar)
    else:
        demo_events = scenario.events
    scanned = [d.date() for d in pd.date_range(end=scenario.end, periods=scan_days)]
    result = scan(demo.metrics, scanned, calendar=calendar, campaigns=demo.campaigns, config=config)
    tally = score_scenario(result.alerts, demo_events, scanned, demo.campaign_effects)
    if verbose:
        print_details(tally)
    return tally


def print_details(tally: Tally) -> None:
    """The misses, false alerts and wrong causes behind a row (``--verbose``)."""
    for line in tally.misses:
        print(f"    miss  {line}")
    for line in tally.false_list:
        print(f"    false {line}")
    for line in tally.wrong_causes:
        print(f"    cause {line}")


def row(name: str, t: Tally) -> str:
    return (
        f"{name:<14} {t.events:>6} {t.detected:>8} {t.false_alerts:>6} {t.precision:>9.2f} {t.recall:>7.2f} "
        f"{t.f1:>6.2f} {t.rc_f1:>6.2f} {t.benign_holiday:>8} {t.benign_trial:>6} {t.false_per_week:>9.2f} "
        f"{t.against_plan:>12}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6])
    parser.add_argument("--scan-days", type=int, default=150)
    parser.add_argument("--verbose", action="store_true", help="list misses, false alerts, wrong causes")
    parser.add_argument(
        "--campaign-effects", action="store_true", help="the cubes carry their campaigns' true effects"
    )
    parser.add_argument(
        "--campaign-lift-tolerance", type=float, default=DetectionConfig().campaign_lift_tolerance
    )
    args = parser.parse_args()
    config = DetectionConfig(campaign_lift_tolerance=args.campaign_lift_tolerance)
    calendar = ChineseCalendar()
    header = (
        f"{'scenario':<14} {'events':>6} {'detected':>8} {'false':>6} {'precision':>9} {'recall':>7} "
        f"{'F1':>6} {'RC F1':>6} {'holiday':>8} {'trial':>6} {'false/wk':>9} {'against plan':>12}"
    )
    print(header)
    print("-" * len(header))
    overall = Tally()
    started = time.perf_counter()
    for scenario in scenarios(args.seeds, calendar):
        tally = run(scenario, args.scan_days, calendar, args.verbose, args.campaign_effects, config)
        overall.add(tally)
        print(row(scenario.name, tally), flush=True)
    print("-" * len(header))
    print(row("overall", overall))
    print(
        f"\n'holiday'/'trial': notifying alerts on benign holiday / free-trial surges; 'false/wk': false "
        f"alerts per week on clean days (all metrics and slices). {args.scan_days} scanned days per "
        f"scenario, {time.perf_counter() - started:.0f} s in total."
    )


if __name__ == "__main__":
    main()
