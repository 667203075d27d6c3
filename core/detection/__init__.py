"""Anomaly detection on the metric cube: calendar-adjusted robust baselines, calibrated scores,
cross-checks (denominator effects, mirrored slices) and the hook to root-cause localisation."""

from core.detection.config import DetectionConfig
from core.detection.json_contract import alerts_to_json
from core.detection.models import Alert, DateStatus, FoldedSlice, RootCause, ScanResult
from core.detection.scan import scan

__all__ = [
    "Alert",
    "DateStatus",
    "DetectionConfig",
    "FoldedSlice",
    "RootCause",
    "ScanResult",
    "alerts_to_json",
    "scan",
]
