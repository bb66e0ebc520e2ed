"""Whole, valid upload scenarios generated from the contracts (schemas/*.yaml).

- ``model``: a scenario as plain data (register rows, programmes, participants, follow-ups and
  the files a programme sends), and the attainment figures computed from it in plain Python.
- ``files``: a scenario's files as bytes, in the dialects offices send (English CSV,
  the Norwegian Excel CSV dialect, XLSX).
- ``strategies``: Hypothesis strategies for scenarios with extreme distributions.
- ``named``: the named extreme cases, built deterministically (``@example`` in the tests).
"""
