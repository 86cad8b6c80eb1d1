"""LaTeX-like math in abstracts, shown as readable Unicode text.

The listings lost the backslashes and dollars of their LaTeX: "mathcal O(K^{2/3})", "Omega(T^{2/3})",
"O(varepsilon)-optimal", "sqrt{d}". Turned into "𝒪(K²ᐟ³)", "Ω(T²ᐟ³)", "O(ε)-optimal", "√d". The result is
plain text (it is escaped like any other text afterwards), so no markup from an abstract can reach the page.
"""

from __future__ import annotations

import re

GREEK = {
    "varepsilon": "ε",
    "epsilon": "ϵ",
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "Gamma": "Γ",
    "delta": "δ",
    "Delta": "Δ",
    "zeta": "ζ",
    "eta": "η",
    "theta": "θ",
    "Theta": "Θ",
    "kappa": "κ",
    "lambda": "λ",
    "Lambda": "Λ",
    "mu": "μ",
    "nu": "ν",
    "xi": "ξ",
    "pi": "π",
    "rho": "ρ",
    "sigma": "σ",
    "Sigma": "Σ",
    "tau": "τ",
    "phi": "φ",
    "varphi": "φ",
    "Phi": "Φ",
    "chi": "χ",
    "psi": "ψ",
    "Psi": "Ψ",
    "omega": "ω",
    "Omega": "Ω",
}
_SCRIPT = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "𝒜ℬ𝒞𝒟ℰℱ𝒢ℋℐ𝒥𝒦ℒℳ𝒩𝒪𝒫𝒬ℛ𝒮𝒯𝒰𝒱𝒲𝒳𝒴𝒵", strict=True))
_DOUBLE = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "E": "𝔼", "P": "ℙ"}
_SUPER = dict(zip("0123456789+-=()ni/*", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᐟ*", strict=True))
_SUB = dict(zip("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎", strict=True))

# a Greek name glued to math ("O(varepsilon)", "Omega(T", "rho_{BL}", "nvarepsilon"); "beta version" stays
_NAMES = "|".join(sorted(GREEK, key=len, reverse=True))
_GREEK = re.compile(
    rf"(?<![A-Za-z])({_NAMES})(?=[(\[{{^_)/,=-])|(?<=[(\[{{^_/=,\d])({_NAMES})(?![a-z])|(varepsilon)"
)
_FONT = re.compile(r"\b(mathcal|mathscr|mathbb|mathsf|mathrm|mathbf)\s*(?:\{\s*([A-Za-z])\s*\}|([A-Z])\b)")
_SQRT = re.compile(r"\bsqrt\s*\{([^{}]{1,20})\}")
_SCRIPT_GROUP = re.compile(r"([\^_])\{([^{}]{1,12})\}|([\^_])([0-9A-Za-z])(?![A-Za-z0-9])")


def _font(match: re.Match[str]) -> str:
    kind, letter = match.group(1), match.group(2) or match.group(3)
    if kind in ("mathcal", "mathscr"):
        return _SCRIPT.get(letter, letter)
    if kind == "mathbb":
        return _DOUBLE.get(letter, letter)
    return letter


def _script(match: re.Match[str]) -> str:
    mark = match.group(1) or match.group(3)
    body = match.group(2) if match.group(2) is not None else match.group(4)
    table = _SUPER if mark == "^" else _SUB
    if all(ch in table for ch in body):
        return "".join(table[ch] for ch in body)
    return f"{mark}({body})" if len(body) > 1 else f"{mark}{body}"


def math_to_text(text: str) -> str:
    """Readable Unicode for the LaTeX fragments of an abstract; other text is returned unchanged."""
    if not any(
        cue in text for cue in ("^", "_{", "math", "sqrt", "psilon", "Omega", "Theta", "lambda", "rho")
    ):
        return text
    text = _FONT.sub(_font, text)
    text = _SQRT.sub(lambda m: "√" + (m.group(1) if len(m.group(1)) == 1 else f"({m.group(1)})"), text)
    text = _GREEK.sub(lambda m: GREEK[m.group(1) or m.group(2) or m.group(3)], text)
    return _SCRIPT_GROUP.sub(_script, text)
