"""The bundled demo: a seeded generator of what a dozen programmes would send (Norwegian Excel
and CSV exports, late and corrected follow-ups, gaps), for `make demo`, the tests and the
benchmark."""

from pipelines.demo.generator import DemoFile, DemoManifest, generate

__all__ = ["DemoFile", "DemoManifest", "generate"]
