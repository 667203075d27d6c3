"""Deterministic demo data for ``memberops init --demo`` and for detection benchmarks.

``generate_demo(end=..., seed=...)`` builds a realistic daily metric cube (segments × content types ×
platforms × resource positions × discount types), the segment, campaign and resource tables, and injects
known events whose ground truth comes back with the data.
"""

from core.demo.dataset import DemoConfig, DemoDataset, generate_demo
from core.demo.events import InjectedEvent, events_from_json, events_to_json
from core.demo.scenarios import default_scenario, random_scenario

__all__ = [
    "DemoConfig",
    "DemoDataset",
    "InjectedEvent",
    "default_scenario",
    "events_from_json",
    "events_to_json",
    "generate_demo",
    "random_scenario",
]
