"""The app's pure render functions: escaping, citation links, flags, BibTeX, the papers table."""

from __future__ import annotations

import re
from datetime import date

import pytest

from rag.answering import BackendStatus
from rag.collection.execute import CollectionResult
from rag.collection.query import CollectionQuery, OptionError, query_from_options
from rag.indexing.index import IndexStats
from rag.indexing.ingest import IngestReport
from rag.models import Answer, Citation, Distribution, FlaggedCitation, GroupCount, Paper, Source
from rag.settings import Settings
from ui import papers as table
from ui.chart import X, Y, chart_title, distribution_frame
from ui.render import (
    answer_markdown,
    answered_by,
    assistant_message,
    bibtex,
    bibtex_key,
    esc,
    highlight,
    md_escape,
    paper_html,
    sources_html,
    surname,
)
from ui.status import notice_markdown, reindex_markdown, status_markdown

EVIL = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


def paper(pid: str = "p1", **kw) -> Paper:
    base = dict(
        id=pid,
        title="Tight Regret Lower Bounds for Bandits",
        abstract="We prove a lower bound. It is tight.",
        authors=["Ada Lovelace", "Alan Turing"],
        published=date(2024, 7, 5),
        category="LG",
        upvotes=12,
    )
    return Paper(**{**base, **kw})


def answer(**kw) -> Answer:
    base = dict(
        question="q",
        text="Bandits have lower bounds [1]. Another claim [2].",
        backend="extractive",
        sources=[
            Source(n=1, paper_id="p1", title="Tight Regret", evidence=["We prove a lower bound."]),
            Source(n=2, paper_id="p2", title="Other", evidence=["Other text."]),
        ],
        citations=[
            Citation(n=1, paper_id="p1", title="Tight Regret"),
            Citation(n=2, paper_id="p2", title="Other"),
        ],
    )
    return Answer(**{**base, **kw})


def test_esc_neutralises_markup_and_template_syntax() -> None:
    out = esc(EVIL + " ${x} {{y}} `z`")
    assert "<script" not in out and "<img" not in out and "&lt;script&gt;" in out
    assert "${" not in out and "{{" not in out and "`" not in out


def test_md_escape_blocks_html_links_images_and_latex() -> None:
    out = md_escape(EVIL + " ![x](http://evil/x.png) [a](javascript:alert(1)) $$x$$")
    assert "<" not in out
    assert "![x](" not in out and "[a](" not in out
    assert "\\$\\$" in out


def test_answer_markdown_links_citations_to_source_cards() -> None:
    out = answer_markdown(answer())
    assert "[\\[1\\]](#src-1)" in out and "[\\[2\\]](#src-2)" in out


def test_answer_markdown_leaves_unknown_numbers_unlinked_and_escapes_text() -> None:
    out = answer_markdown(answer(text=f"{EVIL} see [7] and [1, 2]"))
    assert "#src-7" not in out and "\\[7\\]" in out
    assert "#src-1" in out and "#src-2" in out
    assert "<script" not in out and "<img" not in out


def test_flagged_citation_is_marked_in_text_and_card() -> None:
    flagged = [FlaggedCitation(n=2, paper_id="p2", sentence="Another claim [2].", support=0.1)]
    ans = answer(flagged=flagged, unsupported_citations=1)
    text = answer_markdown(ans)
    assert "[\\[2\\]⚠](#src-2" in text and "[\\[1\\]](#src-1)" in text
    assert "⚠ 1 citation not supported" in assistant_message(ans)
    cards = sources_html(ans, {"p1": paper(), "p2": paper("p2", title="Other")})
    assert '<div class="src-card cited flagged" id="src-2">' in cards
    assert "Not supported" in cards[cards.index('id="src-2"') :]


def test_answered_by_names_backend_and_model() -> None:
    assert answered_by(answer()) == "extractive"
    ans = answer(backend="ollama", model="llama3.2:3b")
    assert answered_by(ans) == "ollama · llama3.2:3b"
    assert "answered by ollama · llama3.2:3b" in assistant_message(ans)
    noticed = answer(notice="Evidence-only answers — start Ollama")
    assert "start Ollama" in assistant_message(noticed)
    assert "start Ollama" not in assistant_message(noticed, banner="Evidence-only answers — start Ollama")


def test_source_cards_escape_paper_text_and_show_metadata() -> None:
    evil = paper(title=f"Title {EVIL}", abstract=f"We prove a lower bound. {EVIL}", authors=[f"Eve {EVIL}"])
    html = sources_html(answer(), {"p1": evil})
    assert "<script" not in html and "<img" not in html and "onerror=&quot;" in html
    assert 'id="src-1"' in html and "2024-07-05" in html and "LG" in html and "▲ 12" in html
    assert "<mark>We prove a lower bound.</mark>" in html
    assert html.index('id="src-1"') < html.index('id="src-2"')  # cited first


def test_highlight_marks_evidence_and_escapes_the_rest() -> None:
    out = highlight("A <b>x</b>. Evidence here. Tail.", ["Evidence here.", "here. Tail."])
    assert out == "A &lt;b&gt;x&lt;/b&gt;. <mark>Evidence here. Tail.</mark>"


def test_a_tier_two_card_says_what_the_paper_does_not_state() -> None:
    related = Source(
        n=2, paper_id="p2", title="Other", evidence=["Other text."], tier=2, lacks=["switching <costs>"]
    )
    ans = answer(sources=[answer().sources[0], related])
    cards = sources_html(ans, {"p1": paper(), "p2": paper("p2", title="Other")})
    first, second = cards.split('id="src-2"')
    assert "may also be relevant" not in first and "may also be relevant" in second
    assert "Does not state: switching &lt;costs&gt;" in second


def test_abstained_answer_lists_nearest_papers() -> None:
    ans = answer(
        text="The collection does not cover this.",
        sources=[],
        citations=[],
        abstained=True,
        nearest=[Citation(n=1, paper_id="p1", title="Near <b>paper</b>")],
    )
    assert "Near &lt;b&gt;paper&lt;/b&gt;" in sources_html(ans, {})
    assert "Closest papers" in assistant_message(ans)


def test_paper_html_escapes_abstract() -> None:
    out = paper_html(paper(abstract=EVIL))
    assert "<script" not in out and "&lt;script&gt;" in out


def test_bibtex_key_and_entry() -> None:
    p = paper(
        title="The Tight Regret Lower Bounds: 100% & more_{x}",
        authors=["José van der Berg", "B. C"],
        external_id="2401.01234v2",
        authors_truncated=True,
    )
    assert bibtex_key(p) == "vanderberg2024tight"
    entry = bibtex(p)
    assert entry.startswith("@misc{vanderberg2024tight,")
    assert "100\\% \\& more\\_\\{x\\}" in entry
    assert "José van der Berg and B. C and others" in entry
    assert "year         = {2024}" in entry and "eprint       = {2401.01234}" in entry
    unescaped = re.sub(r"\\[{}]", "", entry)
    assert unescaped.count("{") == unescaped.count("}")


def test_bibtex_without_authors_or_date() -> None:
    p = paper(authors=[], published=None, title="On the Grokking of Things")
    assert bibtex_key(p) == "anongrokking"
    assert "year" not in bibtex(p)


def test_surname_forms() -> None:
    assert surname("Rahm Ranjan") == "Ranjan"
    assert surname("Ranjan, Rahm") == "Ranjan"
    assert surname("Ludwig van Beethoven") == "van Beethoven"


def test_papers_table_rows_search_and_lookup() -> None:
    papers = {
        "p1": paper(),
        "p2": paper(
            "p2", title="Grokking", abstract="lazy to rich", published=None, category=None, authors=[]
        ),
    }
    assert [r[0] for r in table.rows(papers)] == ["Tight Regret Lower Bounds for Bandits", "Grokking"]
    assert [r[0] for r in table.rows(papers, "RICH lazy")] == ["Grokking"]
    assert [r[0] for r in table.rows(papers, "turing")] == ["Tight Regret Lower Bounds for Bandits"]
    assert [r[0] for r in table.rows(papers, "grokking lovelace")] == []  # every word, in any field
    page = table.page_of(papers, table.select(papers))
    assert table.selected_paper(papers, page.paper_ids, 1) == papers["p2"]
    assert table.selected_paper(papers, page.paper_ids, 2) is None
    # rows re-sorted in the browser: the title decides, and a title not on the page opens nothing
    assert table.selected_paper(papers, page.paper_ids, 0, "Grokking") == papers["p2"]
    assert table.selected_paper(papers, page.paper_ids, 0, "Not On This Page") is None
    assert table.categories(papers) == ["LG"] and table.years(papers) == [2024]


def test_pages_cover_the_listing_once_and_only_a_page_is_made() -> None:
    papers = {
        f"p{i:03}": paper(f"p{i:03}", title=f"Paper {i:03}", published=date(2024, 1, 1)) for i in range(123)
    }
    result = table.select(papers, "", table.query_from_controls(sort="title", descending=False))
    pages = [table.page_of(papers, result, n, size=50) for n in (1, 2, 3)]
    assert [len(p.rows) for p in pages] == [50, 50, 23] and {p.pages for p in pages} == {3}
    assert [pid for p in pages for pid in p.paper_ids] == result.paper_ids == sorted(papers)
    assert [r[0] for r in pages[1].rows][:2] == ["Paper 050", "Paper 051"]
    assert table.page_line(pages[1]) == "papers 51–100 of 123 · page 2 of 3"
    assert table.page_of(papers, result, 9, size=50).number == 3  # past the end: the last page
    assert table.page_of(papers, result, -1, size=50).number == 1
    empty = table.page_of(papers, table.select(papers, "no such words"))
    assert (empty.rows, empty.pages, empty.first, table.page_line(empty)) == ([], 1, 0, "no papers")


def test_listings_page_without_searching_again_and_forget_after_a_reindex() -> None:
    papers = {"p1": paper(), "p2": paper("p2", title="Grokking", abstract="lazy to rich")}
    listings = table.Listings(keep=2)
    query = table.query_from_controls()
    first = listings.result(papers, "  Lazy ", query)
    assert first.paper_ids == ["p2"] and listings.result(papers, "lazy", query) is first
    papers["p1"] = paper(abstract="Lazy bounds.")  # changed in place, as a re-index may
    assert listings.result(papers, "lazy", query) is first
    listings.forget()
    assert set(listings.result(papers, "lazy", query).paper_ids) == {"p1", "p2"}
    again = listings.result(papers, "lazy", query)
    for text in ("a", "b", "c"):  # only the last `keep` listings are kept
        listings.result(papers, text, query)
    assert listings.result(papers, "lazy", query) is not again
    before = listings.result(papers, "a", query)
    reopened = dict(papers)  # the index reopened: another Mapping, even an equal one, is listed afresh
    assert listings.result(reopened, "a", query) is not before


def test_distribution_answers_become_a_chart_frame() -> None:
    by_year = Distribution(
        by="year", groups=[GroupCount(key="2024", papers=3), GroupCount(key="2025", papers=5)], total_groups=2
    )
    frame = distribution_frame(answer(distribution=by_year))
    assert frame is not None and list(frame.columns) == [X, Y]
    assert frame.values.tolist() == [["2024", 3], ["2025", 5]]
    assert chart_title(by_year) == "Papers per year"
    top = Distribution(by="author", groups=[GroupCount(key="Juno Kim", papers=13)], total_groups=2345)
    assert chart_title(top) == "Papers per author: the 1 most frequent of 2,345"
    assert distribution_frame(answer()) is None and distribution_frame(None) is None


def test_filter_controls_build_the_query_rag_papers_builds() -> None:
    """The tab's controls and the command's options meet in query_from_options: same values, same query."""
    assert table.query_from_controls() == CollectionQuery(sort="date", descending=True)
    controls = table.query_from_controls(
        "2025", "November", "CV", " J. Kim ", 2.0, 6.0, "author count", False
    )
    assert controls == query_from_options(
        year=2025, month=11, category="CV", author="J. Kim", min_authors=2, max_authors=6, sort="author_count"
    )
    assert (controls.date_from, controls.date_to, controls.month) == (
        date(2025, 11, 1),
        date(2025, 11, 30),
        None,
    )
    any_year = table.query_from_controls("Any", "March", "Any", "", None, None, "title", True)
    assert (any_year.date_from, any_year.month, any_year.category, any_year.author) == (None, 3, None, None)
    assert (any_year.sort, any_year.descending) == ("title", True)
    # the page sends 0 for an empty Number before its load event clears it: 0 bounds nothing
    assert table.query_from_controls(min_authors=0, max_authors=0.0) == table.query_from_controls()


@pytest.mark.parametrize(
    ("controls", "message"),
    [
        ({"min_authors": 5, "max_authors": 2}, "min authors 5 is more than max authors 2"),
        ({"min_authors": -1}, "min authors must be at least 1, not -1"),
        ({"max_authors": 2.5}, "max authors 2.5 is not a whole number"),
        ({"year": "soon"}, "year 'soon' is no number"),
        ({"month": "Brumaire"}, "month 'Brumaire' is no month"),
        ({"sort": "size"}, "sort 'size' is none of"),
    ],
)
def test_bad_filter_values_are_one_line_value_errors(controls: dict, message: str) -> None:
    with pytest.raises(OptionError) as caught:
        table.query_from_controls(**controls)
    assert isinstance(caught.value, ValueError) and str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_count_line_says_who_was_left_out() -> None:
    query = CollectionQuery()
    assert table.count_line(CollectionResult(query=query, paper_ids=["a", "b"]), 186) == "2 of 186 papers"
    lacking = CollectionResult(query=query, paper_ids=["a"], unknown=4, missing={"date": 4})
    assert table.count_line(lacking, 186) == (
        "1 of 186 papers (4 papers could not be judged and are left out: "
        "4 have no date with a year in their listing)"
    )


def _status() -> BackendStatus:
    return BackendStatus(
        backend="extractive",
        message="Evidence-only answers — start Ollama for written "
        "answers: `ollama serve` then `ollama pull m` <b>",
    )


def test_notice_and_status_text() -> None:
    settings = Settings()
    notice = notice_markdown(_status(), settings)
    assert "Evidence-only answers" in notice and "`ollama serve`" in notice and "`ollama pull m`" in notice
    assert "<b>" not in notice
    assert notice_markdown(None, settings) == ""
    stats = IndexStats(
        papers=3,
        chunks=7,
        vectors=7,
        embedding_model="m",
        index_name="i",
        location="/x",
        catalog="/c",
        sources=["/s"],
    )
    text = status_markdown(stats, _status())
    assert "| Papers indexed | 3 |" in text and "**not reachable**" in text
    assert "| Ingest | finished |" in text
    big = stats.model_copy(update={"papers": 100_186, "chunks": 312_004, "vectors": 312_004})
    running = status_markdown(
        big, None, "an ingest of x.jsonl is running (pid 7): this is the index as it was"
    )
    assert (
        "| Papers indexed | 100,186 |" in running
        and "| Chunks indexed | 312,004 (312,004 vectors) |" in running
    )
    assert "| Ingest | **an ingest of x.jsonl is running (pid 7)" in running


def test_reindex_report_says_what_changed() -> None:
    same = reindex_markdown(IngestReport(papers=2, chunks=3, files=1), {"a", "b"}, {"a", "b"})
    assert "up to date" in same
    changed = reindex_markdown(IngestReport(papers=2, chunks=3, files=1, embedded=2), {"a"}, {"a", "b"})
    assert "1 paper(s) added" in changed and "2 chunk(s) embedded" in changed
