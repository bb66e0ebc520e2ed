"""The quarterly attainment report (HTML + Excel) with small-number protection."""

from pipelines.report.build import ReportFiles, build_quarterly_report

__all__ = ["ReportFiles", "build_quarterly_report"]
