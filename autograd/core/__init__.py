"""The engine: :class:`~autograd.core.value.Value`, how it records operations, the rule table,
the reverse pass, grad mode and lanes.

Import the public names from :mod:`autograd`. The modules, from the bottom up:
``functions`` (the mathematics the rules are written with), ``rules`` (the table),
``errors`` (``DomainError`` and the checks every op passes), ``data`` (what ``data`` may be),
``grad_mode`` (``no_grad``), ``lanes`` (rules on arrays), ``value`` (the node), ``record``
(making a node), ``ops`` (``apply``, ``define_op``, ``dot``, ``vsum``), ``engine``
(``backward``, ``grad``) and ``higher_order`` (``grad(create_graph=True)``).
"""
