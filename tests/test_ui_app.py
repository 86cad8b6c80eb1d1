"""The chat app over HTTP: a real server on a loopback port, driven with gradio_client.

One app serves the module (the bundled index is loaded once); Ollama is pointed at a closed port, so
answers come from the extractive backend, as on a machine without an LLM.
"""

from __future__ import annotations

import html
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client

from rag.answering import Assistant
from rag.assemble import open_assistant
from rag.collection.execute import run_query
from rag.collection.query import query_from_options
from rag.indexing.embedder import OnnxEmbedder
from rag.indexing.index import PaperIndex
from rag.models import Turn
from rag.settings import OllamaSettings, Settings, UISettings
from tests.conftest import free_port
from ui.app import build_app, exposure_warning, is_loopback, launch
from ui.papers import PAGE_SIZE

QUESTION = "Which papers prove regret lower bounds?"
ANY = ("Any", "Any", "All", "")
NO_FILTERS = ("Any", "Any", "Any", "", None, None, "date", True)  # the Papers tab's controls as it opens
FILTER_NAMES = ("year", "month", "category", "author", "min_authors", "max_authors", "sort", "descending")


class RecordingAssistant(Assistant):
    """The real Assistant, noting the history each question arrived with and how many ran at once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.histories: list[int] = []
        self.active = self.most_active = 0
        self._count = threading.Lock()

    def stream(
        self,
        question: str,
        history: list[Turn] | None = None,  # type: ignore[override]
        *args: Any,
        **kwargs: Any,
    ) -> Iterator[Any]:
        self.histories.append(len(history or []))
        with self._count:
            self.active += 1
            self.most_active = max(self.most_active, self.active)
        time.sleep(0.5)  # an answer takes ~0.1 s: long enough that two at once overlap, if the app allows it
        try:
            yield from super().stream(question, history, *args, **kwargs)
        finally:
            with self._count:
                self.active -= 1


@pytest.fixture(scope="module")
def app_settings(corpus_index: PaperIndex) -> Settings:
    return corpus_index.settings.model_copy(
        update={
            "ollama": OllamaSettings(host=f"http://127.0.0.1:{free_port()}"),
            "ui": UISettings(concurrency=4),
        }
    )


@pytest.fixture(scope="module")
def assistant(app_settings: Settings, corpus_index: PaperIndex) -> RecordingAssistant:
    return RecordingAssistant(app_settings, index=corpus_index)


@pytest.fixture(scope="module")
def url(app_settings: Settings, assistant: RecordingAssistant, corpus_index: PaperIndex) -> Iterator[str]:
    demo = build_app(app_settings, assistant)
    demo.queue(default_concurrency_limit=app_settings.ui.concurrency)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


def client(url: str, **kw: Any) -> Client:
    return Client(url, verbose=False, analytics_enabled=False, download_files=False, **kw)


def text_of(message: dict) -> str:
    content = message["content"]
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


def source_titles(sources_html: str) -> list[str]:
    """Titles of the source cards, or of the closest papers listed when the answer abstains."""
    found = re.findall(r'<span class="src-title">(.*?)</span>|<li>(.*?)</li>', sources_html)
    return [html.unescape(card or listed) for card, listed in found]


def ask(c: Client, question: str, chat: list | None = None, filters: tuple = ANY) -> tuple[str, list, str]:
    box, chat_out, sources, _chart = c.predict(question, chat or [], *filters, api_name="/ask")
    return box, chat_out, sources


def chart_of(c: Client, question: str) -> Any:
    """What the chart under the chat gets with the answer: plot data, or an update that hides it."""
    return c.predict(question, [], *ANY, api_name="/ask")[3]


def papers_tab(
    c: Client,
    text: str = "",
    *,
    year: str = "Any",
    month: str = "Any",
    category: str = "Any",
    author: str = "",
    min_authors: float | None = None,
    max_authors: float | None = None,
    sort: str = "date",
    descending: bool = True,
) -> tuple[Any, str]:
    """The Papers tab's text box and filter controls, in the order of the endpoint's inputs."""
    filters = (year, month, category, author, min_authors, max_authors, sort, descending)
    table, count, *_pager = c.predict(text, *filters, api_name="/papers")
    return table, count


def every_title(c: Client, text: str = "", **filters: Any) -> list[str]:
    """The whole listing, page by page through the page-number endpoint, as the Next button walks it."""
    controls = {**dict(zip(FILTER_NAMES, NO_FILTERS, strict=True)), **filters}
    found: list[str] = []
    for number in range(1, 1000):
        table, _, line, shown, *_ = c.predict(text, *controls.values(), number, api_name="/papers_page")
        if shown != number:  # past the last page: the last one again
            break
        found += titles(table)
    return found


def titles(table: Any) -> list[str]:
    return [row[0] for row in table["data"]]


def test_answer_has_linked_citations_and_source_cards(url: str) -> None:
    box, chat, sources = ask(client(url), QUESTION)
    assert box == ""
    assert [m["role"] for m in chat] == ["user", "assistant"]
    answer = text_of(chat[-1])
    assert re.search(r"\[\\\[\d+\\\]\]\(#src-\d+\)", answer), answer
    assert "answered by extractive" in answer
    for n in re.findall(r"#src-(\d+)", answer):
        assert f'id="src-{n}"' in sources
    assert len(source_titles(sources)) >= 2


def test_filters_change_the_sources(url: str, corpus_index: PaperIndex) -> None:
    c = client(url)
    everything = set(source_titles(ask(c, QUESTION)[2]))
    recent = {p.title for p in corpus_index.papers.values() if p.year is not None and p.year >= 2023}
    by_year = set(source_titles(ask(c, QUESTION, filters=("2023", "Any", "All", ""))[2]))
    assert by_year and by_year <= recent and by_year != everything
    # no LG paper is about regret bounds: the answer abstains, and the closest papers it names are LG ones
    lg = {p.title for p in corpus_index.papers.values() if p.category == "LG"}
    by_category = ask(c, QUESTION, filters=("Any", "Any", "LG", ""))[2]
    shown = set(source_titles(by_category))
    assert shown and shown <= lg


def test_follow_up_sees_earlier_turns_and_clear_forgets(url: str, assistant: RecordingAssistant) -> None:
    c = client(url)
    _, chat, _ = ask(c, QUESTION)
    _, chat, _ = ask(c, "Which of them are about bandits?", chat)
    assert len(chat) == 4
    assert assistant.histories[-2:] == [0, 1]
    c.predict(api_name="/clear")
    ask(c, QUESTION)
    assert assistant.histories[-1] == 0


def test_papers_table_sends_one_page_and_pages_through_the_whole_collection(
    url: str, corpus_index: PaperIndex
) -> None:
    c = client(url)
    total = len(corpus_index.papers)
    table, count, line, number = c.predict("", *NO_FILTERS, api_name="/papers")
    assert len(table["data"]) == PAGE_SIZE < total  # one page goes to the browser, not the collection
    assert count == f"{total} of {total} papers"
    assert line == f"papers 1–{PAGE_SIZE} of {total} · page 1 of {-(-total // PAGE_SIZE)}" and number == 1
    # page by page, the listing is the collection, newest first, each paper once
    everything = every_title(c)
    query = query_from_options(sort="date", descending=True)
    newest_first = [
        corpus_index.papers[pid].title for pid in run_query(query, corpus_index.papers.values()).paper_ids
    ]
    assert everything == newest_first and len(set(everything)) == total
    table, _, line, number = c.predict("", *NO_FILTERS, 99, api_name="/papers_page")
    assert number == -(-total // PAGE_SIZE)  # past the end: the last page
    assert titles(table) == everything[(number - 1) * PAGE_SIZE :]
    assert line == f"papers {(number - 1) * PAGE_SIZE + 1}–{total} of {total} · page {number} of {number}"
    table, _ = papers_tab(c, "regret")
    assert 0 < len(table["data"]) < PAGE_SIZE


def test_papers_filters_list_what_run_query_lists(url: str, corpus_index: PaperIndex) -> None:
    c = client(url)
    _, count = papers_tab(c, year="2025", category="ML")
    query = query_from_options(year=2025, category="ML", sort="date", descending=True)
    result = run_query(query, corpus_index.papers.values())
    expected = [corpus_index.papers[pid].title for pid in result.paper_ids]
    assert 0 < len(expected) < len(corpus_index.papers)
    assert every_title(c, year="2025", category="ML") == expected
    assert count.startswith(f"{len(expected)} of {len(corpus_index.papers)} papers")
    by_title = every_title(c, year="2025", category="ML", sort="title", descending=False)
    assert by_title == sorted(expected, key=str.casefold)


def test_papers_filter_on_missing_fields_says_who_was_left_out(url: str, corpus_index: PaperIndex) -> None:
    c = client(url)
    table, count = papers_tab(c, min_authors=9, max_authors=9)
    query = query_from_options(min_authors=9, max_authors=9, sort="date", descending=True)
    result = run_query(query, corpus_index.papers.values())
    assert result.unknown > 0 and len(every_title(c, min_authors=9, max_authors=9)) == len(result.paper_ids)
    assert count.startswith(f"{len(result.paper_ids)} of {len(corpus_index.papers)} papers (")
    assert f"{result.unknown} papers could not be judged" in count and "no author count" in count


def test_papers_bad_filter_values_are_said_and_keep_the_table(url: str) -> None:
    c = client(url)
    before, _ = papers_tab(c, min_authors=2, max_authors=5)
    table, count = papers_tab(c, min_authors=5, max_authors=2)
    assert count == "Filters: min authors 5 is more than max authors 2"
    assert titles(before) and table == {"__type__": "update"}  # no new rows: the page keeps what it had


def test_papers_text_and_filters_combine(url: str) -> None:
    c = client(url)
    by_text, by_category = every_title(c, "learning"), every_title(c, category="LG")
    _, count = papers_tab(c, "learning", category="LG")
    expected = set(by_text) & set(by_category)
    assert 0 < len(expected) < min(len(by_text), len(by_category))
    assert set(every_title(c, "learning", category="LG")) == expected and count.startswith(
        f"{len(expected)} of "
    )


def test_a_distribution_answer_draws_a_bar_chart_and_others_hide_it(
    url: str, corpus_index: PaperIndex
) -> None:
    c = client(url)
    shown = chart_of(c, "How many papers per year?")
    assert shown["visible"] is True and shown["title"] == "Papers per year"
    chart = shown["value"]
    query = query_from_options().model_copy(update={"aggregate": "group", "group_by": "year"})
    per_year = run_query(query, corpus_index.papers.values()).groups
    assert chart["columns"] == ["group", "papers"] and chart["datatypes"]["papers"] == "quantitative"
    assert chart["data"] == [[year, len(ids)] for year, ids in per_year.items()] and len(per_year) > 2
    authors = chart_of(c, "Who are the most frequent authors in the collection?")["value"]
    counts = [n for _, n in authors["data"]]
    assert counts == sorted(counts, reverse=True) and authors["data"][0][1] > 1
    hidden = chart_of(c, QUESTION)  # a topic question: no chart
    assert hidden["visible"] is False and hidden["value"] is None


def test_status_and_no_llm_notice(url: str, corpus_index: PaperIndex) -> None:
    c = client(url)
    status = c.predict(api_name="/status")
    assert f"| Papers indexed | {len(corpus_index.papers)} |" in status
    assert "| Ingest | finished |" in status
    assert "**not reachable**" in status and "all-MiniLM-L6-v2" in status
    notice = c.predict(api_name="/notice")
    assert "Evidence-only answers" in str(notice) and "ollama serve" in str(notice)


def test_two_users_asking_at_once_both_get_answers(url: str, assistant: RecordingAssistant) -> None:
    results: dict[int, str] = {}
    errors: list[BaseException] = []

    def run(i: int, question: str) -> None:
        try:
            results[i] = text_of(ask(client(url), question)[1][-1])
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=(0, QUESTION)),
        threading.Thread(target=run, args=(1, "What explains grokking?")),
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert set(results) == {0, 1}
    assert all("answered by" in text and "#src-" in text for text in results.values()), results
    assert time.perf_counter() - started < 300
    assert assistant.most_active >= 2  # answered side by side, not one after the other


def test_auth_is_required_when_configured(
    app_settings: Settings, assistant: RecordingAssistant, corpus_index: PaperIndex
) -> None:
    settings = app_settings.model_copy(update={"ui": UISettings(auth="reader:s3cret")})
    demo = build_app(settings, assistant)
    port = free_port()
    launch(demo, settings, host="127.0.0.1", port=port, block=False)
    try:
        url = f"http://127.0.0.1:{port}/"
        with pytest.raises(Exception):  # noqa: B017 - the client raises a plain ValueError/HTTP error
            client(url)
        with pytest.raises(Exception):  # noqa: B017
            client(url, auth=("reader", "wrong"))
        table, _ = papers_tab(client(url, auth=("reader", "s3cret")), "grokking")
        assert table["data"]
    finally:
        demo.close()


def test_no_file_of_the_machine_is_served(url: str) -> None:
    for path in ("gradio_api/file=/etc/passwd", "file=/etc/passwd", "gradio_api/file=../../../../etc/passwd"):
        response = httpx.get(url + path)
        assert response.status_code >= 400 and "root:" not in response.text, path


def listing(title: str, abstract: str) -> str:
    return f"Daily Papers\n\n{title}\n\n{abstract}\n\nMar 3, 2025\n"


def test_reindex_reports_what_changed(tmp_path: Path, embedder: OnnxEmbedder) -> None:
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "a.txt").write_text(
        listing("Otter Tool Use in Kelp Forests", "We observe otters using stones as tools in kelp forests.")
    )
    settings = Settings(
        data_dir=tmp_path / "data",
        corpus=[folder],
        ollama=OllamaSettings(host=f"http://127.0.0.1:{free_port()}"),
    )
    demo = build_app(settings, open_assistant(settings, embedder=embedder))
    port = free_port()
    launch(demo, settings, host="127.0.0.1", port=port, block=False)
    try:
        c = client(f"http://127.0.0.1:{port}/")
        report, status, title, table, count, *_ = c.predict("", *NO_FILTERS, api_name="/reindex")
        assert "up to date" in report and count == "1 of 1 papers"
        (folder / "b.txt").write_text(
            listing("Heron Fishing with Bait", "Green herons drop bait on the water to lure fish.")
        )
        report, status, title, table, count, *_ = c.predict("", *NO_FILTERS, api_name="/reindex")
        assert "1 paper(s) added" in report and count == "2 of 2 papers"
        assert "| Papers indexed | 2 |" in status and "about 2 research-paper abstracts" in title
        assert {row[0] for row in table["data"]} == {
            "Otter Tool Use in Kelp Forests",
            "Heron Fishing with Bait",
        }
        # the table is listed again under the Papers tab's filters: text AND year, in the chosen order
        table, count = c.predict(
            "", "2025", "Any", "Any", "", None, None, "title", False, api_name="/reindex"
        )[3:5]
        assert titles(table) == ["Heron Fishing with Bait", "Otter Tool Use in Kelp Forests"]
        table, count = c.predict(
            "bait", "2025", "Any", "Any", "", None, None, "date", True, api_name="/reindex"
        )[3:5]
        assert titles(table) == ["Heron Fishing with Bait"] and count == "1 of 2 papers"
        bad = c.predict("", "Any", "Any", "Any", "", 3, 1, "date", True, api_name="/reindex")
        assert bad[4] == "Filters: min authors 3 is more than max authors 1"
        sources = ask(c, "Which birds use bait to catch fish?")[2]
        assert "Heron Fishing with Bait" in source_titles(sources)
    finally:
        demo.close()


def test_binding_rules() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    assert exposure_warning("127.0.0.1", None) is None
    assert exposure_warning("0.0.0.0", ("u", "p")) is None
    assert "RAG_UI_AUTH" in (exposure_warning("0.0.0.0", None) or "")
