"""Gradient checks: :func:`~autograd.check.gradcheck.gradcheck` and its family, built on the engine.

Import the public names from :mod:`autograd` (the checks) and :mod:`autograd.testing` (the
hypothesis strategies). The modules: ``gradcheck`` (the public functions and how they
decide), ``problems`` (what is checked), ``steps`` (the step procedure's verdict), ``run`` (the
run), ``results`` (what a check reports), ``blame`` (which node's local derivative is wrong)
and ``expressions`` (the random expressions behind
:func:`autograd.testing.expressions`).
"""
