"""The detectors `floodwatch detect all` runs, by name, in run order.

A module of its own so the command line can list them without importing the detectors (scikit-learn and the
abuse model alone take over a second to import, which `detect coordination` does not need)."""

from __future__ import annotations

DETECTORS = ("coordination", "claims", "cascades", "trends", "pile_ons", "doxxing")
