"""Paths shared by the tests (importable from any test folder)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL_REGISTRY = ROOT / "data" / "events.yaml"
REGISTRIES = Path(__file__).resolve().parent / "registries"
ARTIFACTS = ROOT / "test-artifacts"
