"""Retrospectives (复盘): parse ``/retro`` arguments, build the facts, save them to the library."""

from core.retro.build import RetroDataError, build_retro, range_id
from core.retro.library import retro_as_campaign
from core.retro.models import RetroFacts, RetroTarget
from core.retro.targets import RetroParseError, parse_retro_args

__all__ = [
    "RetroDataError",
    "RetroFacts",
    "RetroParseError",
    "RetroTarget",
    "build_retro",
    "parse_retro_args",
    "range_id",
    "retro_as_campaign",
]
