"""``python -m viz EXPR [--at NAME=VALUE ...] [--wrt NAME] -o FILE``; see :mod:`viz.cli`."""

from viz.cli import main

raise SystemExit(main())
