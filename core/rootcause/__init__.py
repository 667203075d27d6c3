"""Multi-dimensional root-cause localisation: which slices of the cube explain a metric's deviation.

See ``localiser`` for the algorithm and its justification.
"""

from core.rootcause.localiser import localise
from core.rootcause.models import (
    Localisation,
    LocaliserConfig,
    MixRateContribution,
    MixRateSplit,
    RootCauseSlice,
)

__all__ = [
    "Localisation",
    "LocaliserConfig",
    "MixRateContribution",
    "MixRateSplit",
    "RootCauseSlice",
    "localise",
]
