"""chainrule's benchmark harness: one module per section, a runner, and what they share.

``python -m benchmarks`` (what ``make bench`` runs) measures every section in one process
and prints each ratio against the reference measured in the same run; see
:mod:`benchmarks.run` for the sections and the command line.

Adding a section: write ``benchmarks/<name>.py`` with a function that measures and returns
a dict of figures, and a :class:`benchmarks.harness.Section` naming it, its progress
title, how it runs from the run's :class:`benchmarks.harness.Options`, and the
:class:`benchmarks.harness.Target` lines it adds to the report table; then add that
Section to ``SECTIONS`` in :mod:`benchmarks.run` (where it runs in the order listed).
``tests/test_bench.py`` runs each section at tiny sizes.
"""
