"""The Gradio app: Chat, Papers and Status tabs over one Assistant.

`build_app` only composes components and event handlers around an Assistant that the composition root
(`rag.assemble.open_assistant`) built; `launch` adds what a real start needs (auth, queue, theme, binding).
"""

from __future__ import annotations

import ipaddress
import logging
import sys
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import gradio as gr

from rag.models import Answer, SearchFilters, TextDelta, Turn
from rag.settings import Settings
from ui import papers as table
from ui.chart import X, Y, chart_title, distribution_frame
from ui.render import assistant_message, bibtex, md_escape, paper_html, sources_html
from ui.status import notice_markdown, reindex_markdown, status_markdown

if TYPE_CHECKING:
    from rag.answering import Assistant

log = logging.getLogger(__name__)

EXAMPLES = [
    "Which papers prove regret lower bounds?",
    "Is there a video dataset for clinical gait analysis?",
    "Why does interval bound propagation work well for certified training?",
    "What explains grokking?",
]
ANY_YEAR = "Any"
ALL_CATEGORIES = "All"
# system fonts: the default theme fonts come from Google Fonts, which a local-only app should not fetch
THEME = gr.themes.Soft(
    primary_hue="indigo",
    secondary_hue="slate",
    neutral_hue="slate",
    font=["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Arial", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
)
CSS = """
.app-header h1 { margin-bottom: 0; }
.app-header p { margin-top: 4px; color: var(--body-text-color-subdued); }
.notice { border-left: 4px solid #f59e0b; background: rgba(245, 158, 11, .08); padding: 6px 12px;
          border-radius: 6px; }
.answered-by { color: var(--body-text-color-subdued); font-size: .8em; }
.sources { display: flex; flex-direction: column; gap: 10px; }
.sources-count, .sources-empty { color: var(--body-text-color-subdued); font-size: .9em; padding: 4px 2px; }
.src-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 14px;
            background: var(--block-background-fill); scroll-margin-top: 12px; }
.src-card.cited { border-left: 4px solid var(--color-accent); }
.src-card.flagged { border-left: 4px solid #dc2626; }
.src-card:target { box-shadow: 0 0 0 3px var(--color-accent-soft); }
.src-head { font-weight: 600; line-height: 1.35; }
.src-n { color: var(--color-accent); margin-right: 2px; }
.tag { font-size: .72em; font-weight: 500; margin-left: 8px; padding: 1px 7px; border-radius: 9px;
       background: var(--background-fill-secondary); color: var(--body-text-color-subdued); }
.tag.cited-tag { background: var(--color-accent-soft); color: var(--color-accent); }
.tag.related-tag { background: var(--block-background-fill); border: 1px dashed var(--border-color-primary); }
.src-card.related { opacity: .92; }
.lacks { font-size: .85em; color: var(--body-text-color-subdued); margin: 2px 0 4px; }
.authors { font-size: .86em; color: var(--body-text-color-subdued); margin-top: 3px; }
.meta { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0 2px; }
.badge { font-size: .75em; padding: 1px 8px; border-radius: 9px;
         border: 1px solid var(--border-color-primary); }
.badge.cat { background: var(--color-accent-soft); }
.evidence { margin: 8px 0 0; padding: 0 0 0 10px; border-left: 3px solid #facc15; font-size: .92em; }
.src-card mark { background: rgba(250, 204, 21, .35); color: inherit; padding: 0 1px; }
.judgment { margin-top: 8px; font-size: .88em; }
.judgment ul { margin: 2px 0 0 16px; padding: 0; }
.facet { font-weight: 600; color: var(--color-accent); }
.lacks { color: var(--body-text-color-subdued); font-size: .9em; }
.flag { margin-top: 8px; color: #b91c1c; font-size: .9em; }
.src-card details { margin-top: 6px; font-size: .9em; }
.src-card summary { cursor: pointer; color: var(--body-text-color-subdued); }
.abstract { white-space: pre-wrap; line-height: 1.5; }
.paper-detail .src-title { font-size: 1.15em; }
#papers-pager { align-items: center; gap: 8px; }
#page-line p { margin: 0; }
#papers-table table, #papers-table .virtual-row, #papers-table .virtual-row * { font-family: var(--font); }
"""


def filters_from(year_from: Any, year_to: Any, category: str | None, author: str | None) -> SearchFilters:
    """Filter controls -> SearchFilters; 'Any'/'All'/blank mean no constraint."""

    def year(value: Any) -> int | None:
        return None if value in (None, "", ANY_YEAR) else int(value)

    low, high = year(year_from), year(year_to)
    if low is not None and high is not None and low > high:
        low, high = high, low
    return SearchFilters(
        year_from=low,
        year_to=high,
        category=None if category in (None, "", ALL_CATEGORIES) else category,
        author=(author or "").strip() or None,
    )


def build_app(settings: Settings, assistant: Assistant) -> gr.Blocks:
    """Compose the app around a ready assistant (its index is what the Papers and Status tabs show)."""
    bot = assistant
    index = bot.index
    reindex_lock = threading.Lock()
    listings = table.Listings()  # the Papers tab's recent listings: paging does not search again

    def backend_status() -> Any:
        try:
            return bot.backend_status()
        except Exception:  # the status line must never take the page down
            log.exception("backend status failed")
            return None

    def year_choices() -> list[str]:
        return [ANY_YEAR, *map(str, table.years(index.papers))]

    # ------------------------------------------------------------------------------------ handlers
    def ask(
        question: str,
        chat: list[dict] | None,
        turns: list[Turn] | None,
        year_from: Any,
        year_to: Any,
        category: str | None,
        author: str | None,
        banner: str | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """Stream one answer into the chat; the final yield adds source cards, the chart of a distribution
        (hidden for any other answer) and records the turn.

        `banner` is the notice this user's page shows at the top, which answers do not repeat."""
        question = (question or "").strip()
        turns = list(turns or [])
        if not question:
            yield "", chat or [], gr.skip(), turns, gr.skip()
            return
        chat = [
            *(chat or []),
            {"role": "user", "content": md_escape(question)},
            {"role": "assistant", "content": "_searching the collection…_"},
        ]
        yield "", chat, gr.skip(), turns, gr.update(visible=False)
        answer: Answer | None = None
        text = ""
        try:
            filters = filters_from(year_from, year_to, category, author)
            for item in bot.stream(question, history=turns, filters=filters):
                if isinstance(item, TextDelta):
                    text += item.text
                    chat[-1] = {"role": "assistant", "content": md_escape(text) + " ▌"}
                    yield "", chat, gr.skip(), turns, gr.skip()
                elif isinstance(item, Answer):
                    answer = item
        except Exception as exc:  # show the failure in the conversation instead of a broken stream
            log.exception("answering failed")
            chat[-1] = {"role": "assistant", "content": f"⚠ Could not answer: {md_escape(str(exc))}"}
            yield "", chat, gr.skip(), turns, gr.skip()
            return
        if answer is None:
            chat[-1] = {"role": "assistant", "content": "⚠ The answerer returned no answer."}
            yield "", chat, gr.skip(), turns, gr.skip()
            return
        chat[-1] = {"role": "assistant", "content": assistant_message(answer, banner)}
        yield (
            "",
            chat,
            sources_html(answer, index.papers),
            [*turns, Turn(question=question, answer=answer)],
            chart_update(answer),
        )

    def chart_update(answer: Answer) -> Any:
        """The bar chart of a distribution answer; hidden for every other answer."""
        frame = distribution_frame(answer)
        if frame is None or answer.distribution is None:
            return gr.update(value=None, visible=False)
        return gr.update(
            value=frame,
            visible=True,
            title=chart_title(answer.distribution),
            x_title=answer.distribution.by,
            sort=list(frame[X]),  # the answer's order: keys ascending, authors most frequent first
        )

    def clear() -> tuple[Any, ...]:
        return [], [], sources_html(None, {}), "", gr.update(value=None, visible=False)

    def papers_page(text: str, *controls: Any) -> tuple[Any, ...]:
        """One page of the listing of the text box AND the filter controls (the last control: the page
        number). Only that page's rows go to the page, with the ids behind them for a selected row. A bad
        filter value is said in the count line and the table keeps what it showed, so a half-typed bound
        never blanks it."""
        *filters, number = controls
        try:
            query = table.query_from_controls(*filters)
        except ValueError as exc:
            return gr.skip(), f"Filters: {md_escape(str(exc))}", *(gr.skip(),) * 5
        papers = index.papers
        result = listings.result(papers, text or "", query)
        page = table.page_of(papers, result, int(number or 1))
        return (
            page.rows,
            table.count_line(result, len(papers)),
            table.page_line(page),
            page.number,
            gr.update(interactive=page.number > 1),
            gr.update(interactive=page.number < page.pages),
            page.paper_ids,
        )

    def first_page(text: str, *filters: Any) -> tuple[Any, ...]:
        return papers_page(text, *filters, 1)

    def previous_page(text: str, *controls: Any) -> tuple[Any, ...]:
        *filters, number = controls
        return papers_page(text, *filters, int(number or 1) - 1)

    def next_page(text: str, *controls: Any) -> tuple[Any, ...]:
        *filters, number = controls
        return papers_page(text, *filters, int(number or 1) + 1)

    def select_paper(ids: list[str] | None, evt: gr.SelectData) -> tuple[str, str]:
        """The selected row's paper, by the shown page's ids (no search over the collection)."""
        row = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        title = (evt.row_value or [None])[0]
        paper = table.selected_paper(index.papers, list(ids or []), row, title)
        return paper_html(paper), bibtex(paper) if paper else ""

    def status_text(running: str | None) -> str:
        """The collection's size, who answers, and an ingest that runs or did not finish."""
        if running is None and reindex_lock.locked():
            running = "a re-index started from this app is running"
        return status_markdown(index.stats(), backend_status(), running or index.unfinished_line())

    def status() -> str:
        return status_text(None)

    def header() -> str:
        return (
            f"# Paper QA\nAsk questions about {len(index.papers)} research-paper abstracts; "
            "every claim cites the papers it comes from."
        )

    def refresh_notice() -> tuple[Any, str | None]:
        status = backend_status()
        text = notice_markdown(status, settings)
        shown = status.message if status is not None and status.backend == "extractive" else None
        return gr.update(value=text, visible=bool(text)), shown

    def reindex(text: str, *filters: Any) -> Iterator[tuple[Any, ...]]:
        """Ingest the registered sources again; only changed chunks are embedded. The Status tab says that
        it runs; the papers table is listed again (page 1) under the Papers tab's text and filters."""
        if not reindex_lock.acquire(blocking=False):
            raise gr.Error("A re-index is already running.")
        try:
            before = set(index.papers)
            running = "re-indexing the registered sources (started from this page)"
            yield ("_Re-indexing…_", status_text(running), *(gr.skip(),) * 13)
            report = bot.reindex()
        finally:
            reindex_lock.release()
        listings.forget()
        listed = first_page(text, *filters)
        years = year_choices()
        yield (
            reindex_markdown(report, before, set(index.papers)),
            status(),
            header(),
            *listed,
            gr.update(choices=[ALL_CATEGORIES, *table.categories(index.papers)]),
            gr.update(choices=years),
            gr.update(choices=years),
            gr.update(choices=[table.ANY, *map(str, table.years(index.papers))]),
            gr.update(choices=[table.ANY, *table.categories(index.papers)]),
        )

    opening = listings.result(index.papers, "", table.query_from_controls())  # the tab as it opens
    first = table.page_of(index.papers, opening)

    # ------------------------------------------------------------------------------------- layout
    with gr.Blocks(title="Paper QA", analytics_enabled=False) as demo:
        title = gr.Markdown(header(), elem_classes="app-header")
        notice = gr.Markdown(visible=False, elem_classes="notice")
        banner = gr.State(None)  # per user: the notice their page shows
        turns = gr.State([])
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"), gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=420):
                    chatbot = gr.Chatbot(
                        label="Conversation",
                        show_label=False,
                        height=580,
                        elem_id="chatbot",
                        allow_tags=False,
                        buttons=["copy", "copy_all"],
                        feedback_options=None,
                        latex_delimiters=[],
                        placeholder="Ask about the papers in the collection. "
                        "Follow-up questions keep the context.",
                    )
                    with gr.Row():
                        question = gr.Textbox(
                            placeholder="Ask a question…",
                            show_label=False,
                            scale=6,
                            max_length=settings.answer.max_question_chars,
                            elem_id="question",
                            autofocus=True,
                        )
                        ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
                        clear_btn = gr.Button("Clear", scale=1, min_width=80, elem_id="clear")
                    chart = gr.BarPlot(
                        None,
                        x=X,
                        y=Y,
                        y_title="papers",
                        y_lim=[0, None],  # bars from zero: a year of 2 papers is not drawn as none
                        visible=False,
                        height=260,
                        x_label_angle=-40,
                        label="Distribution",
                        show_label=False,
                        elem_id="distribution",
                    )
                    examples = gr.Examples(
                        EXAMPLES,
                        inputs=[question],
                        label="Example questions",
                        api_name="load_example",
                        api_visibility="private",
                    )
                with gr.Column(scale=2, min_width=320):
                    with gr.Accordion("Filters: year, category, author", open=False):
                        with gr.Row():
                            year_from = gr.Dropdown(
                                year_choices(), value=ANY_YEAR, label="From year", min_width=100
                            )
                            year_to = gr.Dropdown(
                                year_choices(), value=ANY_YEAR, label="To year", min_width=100
                            )
                        category = gr.Dropdown(
                            [ALL_CATEGORIES, *table.categories(index.papers)],
                            value=ALL_CATEGORIES,
                            label="Category",
                        )
                        author = gr.Textbox(label="Author", placeholder="part of a name")
                        gr.Markdown(
                            "<small>Papers whose listing gives no date are left out by a year filter.</small>"
                        )
                    sources = gr.HTML(
                        sources_html(None, {}),
                        label="Sources",
                        elem_id="sources",
                        max_height=640,
                        padding=True,
                    )
            with gr.Tab("Papers", id="papers"):
                with gr.Row():
                    search = gr.Textbox(
                        placeholder="Filter by title, author, category or abstract words…",
                        show_label=False,
                        scale=4,
                        elem_id="paper-search",
                    )
                    count = gr.Markdown(table.count_line(opening, len(index.papers)), elem_id="papers-count")
                with gr.Accordion("Filters", open=True):
                    with gr.Row():
                        paper_year = gr.Dropdown(
                            [table.ANY, *map(str, table.years(index.papers))],
                            value=table.ANY,
                            label="Year",
                            min_width=100,
                        )
                        paper_month = gr.Dropdown(
                            table.MONTH_CHOICES, value=table.ANY, label="Month", min_width=120
                        )
                        paper_category = gr.Dropdown(
                            [table.ANY, *table.categories(index.papers)],
                            value=table.ANY,
                            label="Category",
                            min_width=100,
                        )
                        paper_author = gr.Textbox(
                            label="Author", placeholder="e.g. J. Kim (finds Juno Kim)", min_width=160
                        )
                    with gr.Row():
                        # a value of None shows as 0 in the page (gradio#6728) unless set on load
                        min_authors = gr.Number(
                            lambda: None, label="Min authors", info="empty or 0: any", precision=0
                        )
                        max_authors = gr.Number(
                            lambda: None, label="Max authors", info="empty or 0: any", precision=0
                        )
                        paper_sort = gr.Dropdown(
                            list(table.SORTS), value="date", label="Sort by", min_width=120
                        )
                        descending = gr.Checkbox(True, label="Newest/largest first")
                    gr.Markdown(
                        "<small>A paper whose listing lacks what a filter needs (a date, an author "
                        "count) is left out and counted.</small>"
                    )
                papers_table = gr.Dataframe(
                    first.rows,
                    headers=table.HEADERS,
                    datatype="str",
                    interactive=False,
                    wrap=True,
                    max_height=460,
                    column_widths=["46%", "30%", "12%", "12%"],
                    buttons=["fullscreen"],
                    elem_id="papers-table",
                )
                page_ids = gr.State(first.paper_ids)  # per user: the ids behind the rows shown
                with gr.Row(equal_height=False, elem_id="papers-pager"):
                    previous_btn = gr.Button(
                        "◀ Previous", size="sm", scale=0, min_width=110, interactive=False, elem_id="previous"
                    )
                    page_no = gr.Number(
                        first.number,
                        label="Page",
                        show_label=False,
                        container=False,
                        precision=0,
                        minimum=1,
                        scale=0,
                        min_width=80,
                        elem_id="page-number",
                    )
                    next_btn = gr.Button(
                        "Next ▶",
                        size="sm",
                        scale=0,
                        min_width=110,
                        interactive=first.pages > 1,
                        elem_id="next",
                    )
                    pager = gr.Markdown(table.page_line(first), elem_id="page-line")
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        detail = gr.HTML(paper_html(None), padding=True, elem_id="paper-detail")
                    with gr.Column(scale=2):
                        bib = gr.Code(
                            "",
                            language="latex",
                            label="BibTeX (copy with the button)",
                            buttons=["copy"],
                            lines=8,
                            interactive=False,
                            wrap_lines=True,
                            elem_id="bibtex",
                        )
            with gr.Tab("Status", id="status") as status_tab, gr.Row(equal_height=False):
                with gr.Column(scale=3):
                    status_md = gr.Markdown(elem_id="status")
                with gr.Column(scale=2):
                    reindex_btn = gr.Button("Re-index sources", variant="secondary", elem_id="reindex")
                    reindex_md = gr.Markdown(
                        "Reads the registered source files again and embeds only what changed.",
                        elem_id="reindex-report",
                    )

        # --------------------------------------------------------------------------------- events
        inputs = [question, chatbot, turns, year_from, year_to, category, author, banner]
        outputs = [question, chatbot, sources, turns, chart]
        gr.on([question.submit, ask_btn.click], ask, inputs, outputs, api_name="ask")
        examples.load_input_event.then(ask, inputs, outputs, api_name="ask_example", api_visibility="private")
        cleared = [chatbot, turns, sources, question, chart]
        clear_btn.click(clear, None, cleared, api_name="clear", queue=False)
        chatbot.clear(clear, None, cleared, api_visibility="private")
        paper_filters: list[gr.Dropdown | gr.Textbox | gr.Number | gr.Checkbox] = [
            paper_year,
            paper_month,
            paper_category,
            paper_author,
            min_authors,
            max_authors,
            paper_sort,
            descending,
        ]
        listed = [papers_table, count, pager, page_no, previous_btn, next_btn, page_ids]
        gr.on(
            [search.change, *(control.change for control in paper_filters)],
            first_page,
            [search, *paper_filters],
            listed,
            api_name="papers",
            queue=False,
        )
        paged = [search, *paper_filters, page_no]
        page_no.submit(papers_page, paged, listed, api_name="papers_page", queue=False)
        previous_btn.click(previous_page, paged, listed, api_visibility="private", queue=False)
        next_btn.click(next_page, paged, listed, api_visibility="private", queue=False)
        papers_table.select(
            select_paper, page_ids, [detail, bib], api_name="select_paper", api_visibility="private"
        )
        reindex_btn.click(
            reindex,
            [search, *paper_filters],
            [
                reindex_md,
                status_md,
                title,
                *listed,
                category,
                year_from,
                year_to,
                paper_year,
                paper_category,
            ],
            api_name="reindex",
            concurrency_limit=1,
        )
        demo.load(refresh_notice, None, [notice, banner], api_name="notice")
        demo.load(status, None, status_md, api_name="status")
        status_tab.select(status, None, status_md, api_visibility="private", queue=False)
    return demo


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str, auth: tuple[str, str] | None) -> str | None:
    """The warning printed when the app is reachable from other machines without a password."""
    if is_loopback(host) or auth is not None:
        return None
    return (
        f"WARNING: serving on {host} without a password: anyone who can reach this machine can use the "
        "app. Set RAG_UI_AUTH=user:password to require a login."
    )


def auth_pair(settings: Settings) -> tuple[str, str] | None:
    if not settings.ui.auth:
        return None
    user, password = settings.ui.auth.split(":", 1)
    return user, password


def launch(
    demo: gr.Blocks,
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    block: bool = True,
) -> gr.Blocks:
    """Queue and start the app with the project's theme, auth and binding rules."""
    host = host or settings.ui.host
    port = settings.ui.port if port is None else port
    auth = auth_pair(settings)
    warning = exposure_warning(host, auth)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    demo.queue(default_concurrency_limit=settings.ui.concurrency)
    demo.launch(
        server_name=host,
        server_port=port,
        auth=auth,
        theme=THEME,
        css=CSS,
        show_error=True,
        prevent_thread_lock=not block,
        footer_links=["api"],
        mcp_server=False,
        quiet=not block,
    )
    return demo
