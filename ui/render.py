"""Pure functions that turn records into the Markdown/HTML the app shows.

Paper text and model output are untrusted: every string is passed through `html.escape` (and, for
Markdown, its link syntax is neutralised) before it is composed with markup, so an abstract that
contains `<script>` or `<img onerror=...>` shows as text and never runs.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping, Sequence

from rag.answering.markers import find_markers
from rag.models import Answer, Paper, PaperVerdict
from ui.mathtext import math_to_text

_MD_SPECIAL = re.compile(r"([\\\[\]$])")


def esc(text: object) -> str:
    """HTML-escape any value (its LaTeX fragments as Unicode first); also encodes the characters template
    engines treat specially."""
    return (
        html.escape(math_to_text(str(text)), quote=True)
        .replace("{", "&#123;")
        .replace("}", "&#125;")
        .replace("$", "&#36;")
        .replace("`", "&#96;")
    )


def md_escape(text: str) -> str:
    """Escape untrusted text for Gradio's Markdown: no raw HTML, no links/images, no LaTeX.

    Emphasis, lists and `code` stay: model answers use them, and they cannot run anything.
    """
    return _MD_SPECIAL.sub(r"\\\1", html.escape(math_to_text(text), quote=False))


# --------------------------------------------------------------------------------------------- answers


def _flagged_spans(answer: Answer) -> list[tuple[int, int, int]]:
    """(start, end, n) of each flagged sentence in the raw answer text."""
    spans = []
    for flag in answer.flagged:
        start = answer.text.find(flag.sentence) if flag.sentence else -1
        if start >= 0:
            spans.append((start, start + len(flag.sentence), flag.n))
    return spans


def answer_markdown(answer: Answer) -> str:
    """The answer text, escaped, with each valid [n] turned into a link to source card #src-n.

    A citation whose sentence failed verification gets a visible warning sign next to it.
    """
    known = {s.n for s in answer.sources} | {c.n for c in answer.citations}
    spans = _flagged_spans(answer)
    located = {n for _, _, n in spans}
    unlocated = {f.n for f in answer.flagged} - located  # flagged sentence not found verbatim: flag every [n]
    out: list[str] = []
    last = 0
    for marker in find_markers(answer.text):
        out.append(md_escape(answer.text[last : marker.start]))
        for n in marker.numbers:
            if n not in known:
                out.append(md_escape(f"[{n}]"))
            elif n in unlocated or any(fn == n and s <= marker.start <= e + 3 for s, e, fn in spans):
                out.append(f'[\\[{n}\\]⚠](#src-{n} "citation not supported by its evidence")')
            else:
                out.append(f"[\\[{n}\\]](#src-{n})")
        last = marker.end
    out.append(md_escape(answer.text[last:]))
    return "".join(out)


def answered_by(answer: Answer) -> str:
    """Which backend (and model) wrote the answer, e.g. 'extractive' or 'ollama · llama3.2:3b'."""
    return f"{answer.backend} · {answer.model}" if answer.model else answer.backend


def assistant_message(answer: Answer, banner: str | None = None) -> str:
    """The whole chat message: answer, warnings, then a small 'answered by' line.

    The answer's notice is left out when it only repeats `banner`, the notice the page already shows.
    """
    parts = [answer_markdown(answer) or "_(no answer)_"]
    if answer.abstained and answer.nearest:
        near = "; ".join(f"{md_escape(c.title)}" for c in answer.nearest[:3])
        parts.append(f"Closest papers in the collection: {near}")
    if answer.flagged:
        count = len(answer.flagged)
        parts.append(
            f"⚠ {count} citation{'s' * (count != 1)} not supported by the cited evidence "
            "(marked ⚠, see the sources panel)."
        )
    if answer.invalid_citations:
        parts.append(f"{answer.invalid_citations} invalid citation marker(s) were removed.")
    took = f" · {answer.timings.total:.1f} s" if answer.timings.total else ""
    footer = f'<small class="answered-by">answered by {esc(answered_by(answer))}{took}</small>'
    if answer.notice and answer.notice != banner:
        footer += f'<br><small class="answered-by">{md_escape(answer.notice)}</small>'
    parts.append(footer)
    return "\n\n".join(parts)


# -------------------------------------------------------------------------------------------- sources


def highlight(text: str, evidence: list[str]) -> str:
    """Escape `text`, wrapping every occurrence of an evidence sentence in <mark>."""
    spans: list[list[int]] = []
    for sentence in evidence:
        sentence = sentence.strip()
        start = text.find(sentence) if sentence else -1
        if start >= 0:
            spans.append([start, start + len(sentence)])
    merged: list[list[int]] = []
    for span in sorted(spans):
        if merged and span[0] <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], span[1])
        else:
            merged.append(span)
    out: list[str] = []
    pos = 0
    for start, end in merged:
        out.append(esc(text[pos:start]))
        out.append(f"<mark>{esc(text[start:end])}</mark>")
        pos = end
    out.append(esc(text[pos:]))
    return "".join(out)


def authors_text(paper: Paper, limit: int = 6) -> str:
    names = paper.authors[:limit]
    more = len(paper.authors) > limit or paper.authors_truncated
    return ", ".join(names) + (" et al." if more else "")


def date_text(paper: Paper) -> str:
    return paper.published.isoformat() if paper.published else (paper.date_text or "")


def meta_html(paper: Paper) -> str:
    """Small badges: date, category, upvotes, code — only what the listing states."""
    badges = []
    if date_text(paper):
        badges.append(f'<span class="badge">{esc(date_text(paper))}</span>')
    if paper.category:
        badges.append(f'<span class="badge cat">{esc(paper.category)}</span>')
    if paper.upvotes is not None:
        badges.append(f'<span class="badge">▲ {paper.upvotes}</span>')
    if paper.has_code:
        badges.append('<span class="badge">code</span>')
    return f'<div class="meta">{"".join(badges)}</div>' if badges else ""


def judgment_html(verdict: PaperVerdict | None, lacks: Sequence[str] = ()) -> str:
    """Which sentence of the paper meets which condition of the question (the facet judgment)."""
    if verdict is None or not verdict.support:
        return ""
    met = [s for s in verdict.support if s.salient and s.sentence and s.facet not in lacks]
    rows = "".join(
        f'<div class="facet-row"><span class="facet">{esc(s.facet)}</span> — <q>{esc(s.sentence)}</q></div>'
        for s in met
    )
    if not rows:
        return ""
    lead = "Meets:" if lacks else "Meets every condition that matters:"
    return f'<div class="judgment"><b>{lead}</b>{rows}</div>'


def source_card(
    n: int,
    paper: Paper | None,
    title: str,
    evidence: list[str],
    *,
    cited: bool,
    flags: list[str],
    verdict: PaperVerdict | None = None,
    lacks: list[str] | None = None,
) -> str:
    """One card: number, title, authors, metadata, evidence, the facet judgment, flags, the abstract.

    `lacks`: the card is of a list's tier 2 ("may also be relevant"), which does not state these conditions.
    """
    related = lacks is not None
    classes = "src-card" + (" cited" if cited else "") + (" flagged" if flags else "")
    classes += " related" if related else ""
    head = (
        f'<div class="src-head"><span class="src-n">[{n}]</span> <span class="src-title">{esc(title)}</span>'
    )
    if related:
        head += '<span class="tag related-tag">may also be relevant</span>'
    else:
        head += '<span class="tag cited-tag">cited</span>' if cited else '<span class="tag">retrieved</span>'
    head += "</div>"
    body = [head]
    if lacks:
        body.append(f'<div class="lacks">Does not state: {esc(", ".join(lacks))}</div>')
    if paper is not None and paper.authors:
        body.append(f'<div class="authors">{esc(authors_text(paper))}</div>')
        body.append(meta_html(paper))
    for sentence in evidence:
        body.append(f'<blockquote class="evidence"><mark>{esc(sentence)}</mark></blockquote>')
    body.append(judgment_html(verdict, lacks or ()))
    for sentence in flags:
        body.append(
            f'<div class="flag">⚠ Not supported by this paper\'s evidence: <q>{esc(sentence)}</q></div>'
        )
    if paper is not None:
        body.append(
            f'<details><summary>Abstract</summary><p class="abstract">'
            f"{highlight(paper.abstract, evidence)}</p></details>"
        )
    return f'<div class="{classes}" id="src-{n}">{"".join(body)}</div>'


def sources_html(answer: Answer | None, papers: Mapping[str, Paper]) -> str:
    """The sources panel for one answer: cited papers first, then the other papers given."""
    if answer is None:
        return (
            '<div class="sources-empty"><b>Sources</b> of each answer appear here: the papers it cites, '
            "with the evidence highlighted.</div>"
        )
    cited = {c.n for c in answer.citations}
    flags: dict[int, list[str]] = {}
    for flag in answer.flagged:
        flags.setdefault(flag.n, []).append(flag.sentence)
    ordered = sorted(answer.sources, key=lambda s: (s.n not in cited, s.n))
    verdicts = {v.paper_id: v for v in answer.verdicts}
    cards = [
        source_card(
            s.n,
            papers.get(s.paper_id),
            s.title,
            s.evidence,
            cited=s.n in cited,
            flags=flags.get(s.n, []),
            verdict=verdicts.get(s.paper_id),
            lacks=s.lacks if s.tier == 2 else None,
        )
        for s in ordered
    ]
    if not cards and answer.nearest:
        items = "".join(f"<li>{esc(c.title)}</li>" for c in answer.nearest)  # what each lacks: in the answer
        cards.append(
            f'<div class="sources-empty">The collection does not seem to cover this question. '
            f"Closest papers:<ul>{items}</ul></div>"
        )
    if not cards:
        return '<div class="sources-empty">No sources for this answer.</div>'
    header = (
        f'<div class="sources-count"><b>Sources</b> · {len(cited)} cited · '
        f"{len(answer.sources)} retrieved</div>"
    )
    return f'<div class="sources">{header}{"".join(cards)}</div>'


def paper_html(paper: Paper | None) -> str:
    """The Papers tab's detail view of one paper."""
    if paper is None:
        return '<div class="sources-empty">Select a paper in the table to read its abstract.</div>'
    return (
        f'<div class="src-card paper-detail"><div class="src-head"><span class="src-title">'
        f"{esc(paper.title)}</span></div>"
        f'<div class="authors">{esc(authors_text(paper, 20) or "authors not listed")}</div>'
        f'{meta_html(paper)}<p class="abstract">{esc(paper.abstract)}</p></div>'
    )


# --------------------------------------------------------------------------------------------- BibTeX

_TEX_SPECIAL = re.compile(r"([&%$#_{}])")
_STOPWORDS = {
    "a",
    "an",
    "the",
    "on",
    "of",
    "in",
    "for",
    "to",
    "and",
    "with",
    "via",
    "towards",
    "toward",
    "is",
    "are",
    "do",
    "does",
    "can",
    "from",
    "by",
    "at",
    "as",
}
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "le", "la", "du", "dos", "das"}


def _ascii_word(text: str) -> str:
    return re.sub(
        r"[^a-z0-9]", "", unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    )


def surname(name: str) -> str:
    """'Rahm Ranjan' -> 'Ranjan'; 'Ranjan, Rahm' -> 'Ranjan'; 'Ludwig van Beethoven' -> 'van Beethoven'."""
    name = name.strip()
    if "," in name:
        return name.split(",", 1)[0].strip()
    parts = name.split()
    if not parts:
        return ""
    start = len(parts) - 1
    while start > 0 and parts[start - 1].lower() in _PARTICLES:
        start -= 1
    return " ".join(parts[start:])


def bibtex_key(paper: Paper) -> str:
    """First author surname + year + first significant title word, e.g. 'ranjan2024computer'."""
    author = _ascii_word(surname(paper.authors[0])) if paper.authors else ""
    words = [_ascii_word(w) for w in re.split(r"[\s\-:/]+", paper.title)]
    word = next((w for w in words if w and w not in _STOPWORDS), next((w for w in words if w), "paper"))
    return f"{author or 'anon'}{paper.year or ''}{word}"


def _tex(text: str) -> str:
    text = " ".join(text.replace("\\", "").split())
    return _TEX_SPECIAL.sub(r"\\\1", text)


def bibtex(paper: Paper) -> str:
    """A @misc entry (listings give no venue): title, authors, year/month, arXiv id when known."""
    fields: list[tuple[str, str]] = [("title", "{" + _tex(paper.title) + "}")]
    if paper.authors:
        names = " and ".join(_tex(a) for a in paper.authors)
        fields.append(("author", names + (" and others" if paper.authors_truncated else "")))
    if paper.published:
        fields.append(("year", str(paper.published.year)))
        fields.append(("month", paper.published.strftime("%b").lower()))
    ext = paper.external_id or ""
    arxiv = re.fullmatch(r"(?:arxiv:)?(\d{4}\.\d{4,5})(v\d+)?", ext, re.IGNORECASE)
    if arxiv:
        fields += [("eprint", arxiv.group(1)), ("archiveprefix", "arXiv")]
        fields.append(("url", f"https://arxiv.org/abs/{arxiv.group(1)}"))
    if paper.category:
        fields.append(("keywords", _tex(paper.category)))
    body = ",\n".join(f"  {name:<13}= {{{value}}}" for name, value in fields)
    return f"@misc{{{bibtex_key(paper)},\n{body}\n}}"
