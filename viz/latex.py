"""Names and numbers as LaTeX, for the chain captions' :meth:`~viz.caption.Caption.latex`.

:func:`latex_name` writes a display name as mathematics (``w¹₂₁`` → ``w^{1}_{21}``) and sets
anything that is not plain mathematics as escaped text, so a label can never make a link, a
style or a script in a page that shows it; :func:`latex_number` writes ``1.234e-05`` as
``1.234 \\times 10^{-5}``; :func:`partial` writes ∂a/∂b.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["LATEX_COMMANDS", "latex_name", "latex_number", "latex_term", "latex_text", "partial", "plain_latex"]

_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "η": "eta", "θ": "theta",
    "λ": "lambda", "μ": "mu", "σ": "sigma", "τ": "tau", "φ": "phi", "ω": "omega", "Σ": "Sigma",
}  # fmt: skip
_ACCENTS = {"\u0302": "hat", "\u0304": "bar", "\u0303": "tilde", "\u0307": "dot"}
_SUP = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ⁱⁿ", "0123456789+-()in", strict=True))
_SUB = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₍₎ₐₑₒₓᵢⱼₖₙ", "0123456789+-()aeoxijkn", strict=True))
_LATEX_SPECIAL = {c: f"\\{c}" for c in "#$%&_{}"} | {"\\": "\\backslash ", "^": "\\hat{}", "~": "\\sim "}


def latex_text(text: str) -> str:
    """``text`` as LaTeX ``\\text{…}`` lines (for captions that are not one chain)."""
    lines = [r"\text{" + "".join(_LATEX_SPECIAL.get(c, c) for c in line) + "}" for line in text.splitlines()]
    return r"\begin{array}{l}" + r" \\ ".join(lines) + r"\end{array}" if len(lines) > 1 else "".join(lines)


#: The LaTeX commands a label written in LaTeX may use (anything else is set as text).
_LATEX_WORDS = (
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi varpi "
    "rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma "
    "Upsilon Phi Psi Omega hat bar tilde dot ddot vec check breve acute grave widehat widetilde overline "
    "underline mathrm mathbf mathit mathsf mathtt mathcal mathbb mathfrak boldsymbol prime ell nabla partial "
    "cdot ast star dagger infty top"
)
LATEX_COMMANDS = frozenset(_LATEX_WORDS.split(" "))
_LATEX_COMMAND = re.compile(r"\\([A-Za-z]+|.)")
_LATEX_CHARS = re.compile(r"[A-Za-z0-9\\_^{}()\[\],.'+\-*/|= ]*")


def plain_latex(name: str) -> bool:
    """Whether ``name`` is LaTeX of plain mathematics: known commands, ordinary characters, balanced braces."""
    if not _LATEX_CHARS.fullmatch(name):
        return False
    if any(m.group(1) not in LATEX_COMMANDS and m.group(1) not in ",;!" for m in _LATEX_COMMAND.finditer(name)):
        return False
    depth = 0
    for c in _LATEX_COMMAND.sub("", name):  # \{ and \} are escaped braces, not groups
        depth += (c == "{") - (c == "}")
        if depth < 0:
            return False
    return depth == 0


def latex_name(name: str) -> str:
    """A display name as LaTeX: ``W1`` → ``W_{1}``, ``w¹₂₁`` → ``w^{1}_{21}``, ``σ`` → ``\\sigma``.

    A name already written in LaTeX (with ``\\``, ``_``, ``^`` or ``{``) is used as it is
    when it is plain mathematics: balanced braces, and only the commands of
    :data:`LATEX_COMMANDS` (Greek letters, accents, fonts). Anything else — ``\\href``,
    ``\\class``, ``\\unicode``, a stray ``$`` — is set as text, every special character
    escaped, so a label can never make a link, a style or a script in a page showing it.
    A word longer than one letter is set upright (``\\mathrm{predicted}``).

    >>> latex_name("W1"), latex_name("w¹₂₁"), latex_name("w_{21}^{(1)}"), latex_name("predicted")
    ('W_{1}', 'w^{1}_{21}', 'w_{21}^{(1)}', '\\\\mathrm{predicted}')
    >>> print(latex_name(r"\\href{javascript:alert(1)}{w}"))
    \\mathrm{\\backslash href\\{javascript:alert(1)\\}\\{w\\}}
    """
    if any(c in name for c in "\\_^{"):
        if plain_latex(name):
            return name
        return r"\mathrm{" + "".join(_LATEX_SPECIAL.get(c, c) for c in name) + "}"
    out, sup, sub = "", "", ""
    for c in name:
        decomposed = unicodedata.normalize("NFD", c)
        base, marks = decomposed[0], decomposed[1:]
        if c in _SUP:
            sup += _SUP[c]
        elif c in _SUB:
            sub += _SUB[c]
        elif len(marks) == 1 and marks[0] in _ACCENTS and base.isalpha():
            out += f"\\{_ACCENTS[marks[0]]}{{{base}}}"  # ŷ → \hat{y}
        else:
            out += f"\\{_GREEK[c]} " if c in _GREEK else c
    m = re.fullmatch(r"([A-Za-z]+)(\d+)", out)
    if m and not sub:
        out, sub = m.group(1), m.group(2)
    out = out.strip()
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9.]+", out):
        out = r"\mathrm{" + out + "}"
    elif not re.fullmatch(r"[A-Za-z]|\\[a-zA-Z]+|\\[a-z]+\{[A-Za-z]\}", out):
        out = r"\mathrm{" + "".join(_LATEX_SPECIAL.get(c, c) for c in out) + "}"
    return out + (f"^{{{sup}}}" if sup else "") + (f"_{{{sub}}}" if sub else "")


def latex_number(text: str) -> str:
    """A formatted number as LaTeX: ``1.234e-05`` → ``1.234 \\times 10^{-5}``."""
    mantissa, e, exp = text.partition("e")
    if not e:
        return text
    return f"{mantissa} \\times 10^{{{int(exp)}}}"


def partial(top: str, bottom: str) -> str:
    """The fraction ∂top/∂bottom in LaTeX, both names through :func:`latex_name`."""
    return f"\\frac{{\\partial {latex_name(top)}}}{{\\partial {latex_name(bottom)}}}"


def latex_term(text: str) -> str:
    """A formatted term as LaTeX; a negative term keeps its parentheses, as ``\\left(…\\right)``."""
    return f"\\left({latex_number(text[1:-1])}\\right)" if text.startswith("(") else latex_number(text)
