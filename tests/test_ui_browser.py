"""The chat app in a real browser (headless Chromium): streaming answers, source cards, and escaping.

The index is the bundled corpus plus one listing whose abstract carries script and event-handler
markup; the page must show that markup as text and never run it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.assemble import open_assistant
from rag.indexing.embedder import OnnxEmbedder
from rag.settings import BUNDLED_CORPUS, OllamaSettings, Settings
from tests.conftest import free_port
from ui.app import build_app, launch

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCRIPT = "<script>window.__pwned=1</script>"
PAYLOAD = f'{SCRIPT}<img src=x onerror="window.__pwned=2"> ${{window.__pwned=3}} {{{{value}}}}'
INJECTED = f"""Daily Papers

byAK and the research community

Zebrafish Fin Regeneration Tracked with Bioluminescent Markers

We track zebrafish fin regeneration over thirty days using bioluminescent markers and a low-cost camera rig. \
{PAYLOAD} The bioluminescent zebrafish markers reveal that fin regeneration speed doubles in warm water.

Mar 3, 2025
"""
EXAMPLE = "Which papers prove regret lower bounds?"
ANSWER_TIMEOUT_MS = 180_000


@pytest.fixture
def app_url(tmp_path: Path, embedder: OnnxEmbedder) -> Iterator[str]:
    listing = tmp_path / "extra" / "injected.txt"
    listing.parent.mkdir()
    listing.write_text(INJECTED, encoding="utf-8")
    settings = Settings(
        data_dir=tmp_path / "data",
        corpus=[BUNDLED_CORPUS, listing.parent],
        ollama=OllamaSettings(host=f"http://127.0.0.1:{free_port()}"),
    )
    assistant = open_assistant(settings, embedder=embedder, evidence="background")
    assert any(PAYLOAD in p.abstract for p in assistant.index.papers.values())
    demo = build_app(settings, assistant)
    port = free_port()
    launch(demo, settings, host="127.0.0.1", port=port, block=False)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


@pytest.fixture
def page(tmp_path: Path) -> Iterator:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            yield page
        finally:
            page.screenshot(path=str(tmp_path / "final.png"), full_page=True)
            browser.close()


def not_pwned(page) -> None:
    assert page.evaluate("typeof window.__pwned") == "undefined"


def ask_in_page(page, question: str) -> None:
    """Type a question, send it, and wait until its answer's 'answered by' line is in the chat."""
    before = page.locator("#chatbot .answered-by").count()
    page.locator("#question textarea, #question input").first.fill(question)
    page.locator("#ask").click()
    page.wait_for_function(
        "n => document.querySelectorAll('#chatbot .answered-by').length > n",
        arg=before,
        timeout=ANSWER_TIMEOUT_MS,
    )


def first_title(page) -> str:
    """The title cell of the table's first row (the table draws its rows as grid cells)."""
    return page.locator("#papers-table [data-testid='cell-0-0']").first.inner_text().strip()


def test_chat_in_the_browser_streams_cites_and_escapes(app_url: str, page, tmp_path: Path) -> None:
    page.goto(app_url)
    page.locator("#chatbot").wait_for()
    page.get_by_text(EXAMPLE, exact=True).first.click()

    # the streamed answer arrives with its backend line, [n] links and source cards
    page.locator("#chatbot .answered-by").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    cards = page.locator("#sources .src-card")
    assert cards.count() >= 2
    assert page.locator("#chatbot").get_by_text(EXAMPLE).count() >= 1
    assert "answered by extractive" in page.locator("#chatbot").inner_text()
    link = page.locator('#chatbot a[href^="#src-"]').first
    target = link.get_attribute("href")
    link.click()
    page.wait_for_function("h => location.hash === h", arg=target)
    assert page.locator(target).is_visible()
    assert not page.locator("#distribution").is_visible()  # a topic answer draws no chart
    page.screenshot(path=str(tmp_path / "example-answer.png"), full_page=True)

    # a distribution: its counts as a bar chart under the chat
    ask_in_page(page, "How many papers per year?")
    chart = page.locator("#distribution")
    chart.locator("canvas, svg").first.wait_for()
    assert chart.is_visible() and "Papers per year" in chart.inner_text()
    chart.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "distribution-chart.png"), full_page=True)

    # a follow-up about the injected paper: its markup is shown as text and never runs; the chart goes
    ask_in_page(page, "How fast do zebrafish fins regenerate?")
    page.locator("#distribution").wait_for(state="hidden")
    card = page.locator("#sources .src-card", has_text="Zebrafish Fin Regeneration")
    card.wait_for()
    card.locator("summary").click()
    assert SCRIPT in card.inner_text()
    assert '<img src=x onerror="window.__pwned=2">' in card.inner_text()
    assert page.locator("#sources script, #sources img, #chatbot script, #chatbot img[src='x']").count() == 0
    not_pwned(page)
    page.screenshot(path=str(tmp_path / "injected-answer.png"), full_page=True)

    # the Papers tab sends one page of rows; Next shows the next page, and a row there opens its paper
    page.get_by_role("tab", name="Papers").click()
    page.get_by_text("papers 1–50 of 187").first.wait_for()
    assert page.locator("#previous").is_disabled() and page.locator("#next").is_enabled()
    on_first = first_title(page)
    page.locator("#next").click()
    page.get_by_text("papers 51–100 of 187 · page 2 of 4").first.wait_for()
    assert page.locator("#previous").is_enabled()
    on_second = first_title(page)
    assert on_second != on_first
    page.locator("#papers-table").get_by_text(on_second, exact=True).filter(visible=True).first.click()
    page.locator("#paper-detail").get_by_text(on_second).first.wait_for()
    page.screenshot(path=str(tmp_path / "papers-tab.png"), full_page=True)

    # searching starts again at page 1; the Papers tab shows the same abstract, escaped, with its BibTeX
    page.locator("#paper-search textarea, #paper-search input").first.fill("zebrafish")
    page.get_by_text("1 of ").first.wait_for()
    page.locator("#papers-table").get_by_text("Zebrafish Fin Regeneration").filter(visible=True).first.click()
    detail = page.locator("#paper-detail")
    detail.get_by_text("Zebrafish Fin Regeneration").first.wait_for()
    assert SCRIPT in detail.inner_text()
    assert "@misc{anon2025zebrafish," in page.locator("#bibtex").inner_text()
    not_pwned(page)
