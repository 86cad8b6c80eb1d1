"""Parsing of the bundled corpus, the arXiv JSONL and BibTeX formats, bad files and merging."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest

from rag.models import Paper, ParsedFile
from rag.parsing import discover_files, merge_papers, normalize_title, paper_id, parse_path, parse_text
from rag.parsing.files import MAX_FILE_BYTES
from rag.parsing.listing import detect_layout, split_title_authors

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"
F000 = "000_8e6a4cfee92d725a.txt"
F001 = "001_3c5404e6bf9be316.txt"
F002 = "002_5bf7aea8d74e3f9e.txt"
F003 = "003_f114800e646c1d45.txt"
F004 = "004_4563e381804943d0.txt"
FRECHET = (
    "Fréchet Cumulative Covariance Net for Deep Nonlinear Sufficient Dimension Reduction with Random Objects"
)


@pytest.fixture(scope="module")
def parsed() -> dict[str, ParsedFile]:
    return {p.name: parse_path(p) for p in discover_files([CORPUS])}


@pytest.fixture(scope="module")
def merged(parsed: dict[str, ParsedFile]) -> list[Paper]:
    return merge_papers(list(parsed.values()))


def by_title(papers: list[Paper], title: str) -> Paper:
    matches = [p for p in papers if p.title == title]
    assert len(matches) == 1, f"{len(matches)} papers titled {title!r}"
    return matches[0]


# ------------------------------------------------------------------------------------------ corpus
def test_corpus_files_are_discovered_in_order() -> None:
    assert [p.name for p in discover_files([CORPUS])] == [F000, F001, F002, F003, F004]


@pytest.mark.parametrize(
    ("name", "layout", "count"),
    [
        (F000, "profile", 16),
        (F001, "daily", 108),
        (F002, "daily", 30),
        (F003, "daily", 13),
        (F004, "daily", 25),
    ],
)
def test_corpus_paper_counts(parsed: dict[str, ParsedFile], name: str, layout: str, count: int) -> None:
    assert detect_layout((CORPUS / name).read_text(encoding="utf-8")) == layout
    pf = parsed[name]
    assert pf.source == name
    assert len(pf.papers) == count
    assert pf.problems == []
    assert all(p.sources == [name] for p in pf.papers)


# Every entry of the profile listing, read off the file by hand: (title, authors, ends with "et al.").
EXPECTED_000 = [
    (
        "Computer Vision for Clinical Gait Analysis: A Gait Abnormality Video Dataset",
        ["Rahm Ranjan", "David Ahmedt-Aristizabal", "Mohammad Ali Armin"],
        True,
    ),
    (
        "Sharp Capacity Scaling of Spectral Optimizers in Learning Associative Memory",
        ["Juno Kim", "Eshaan Nichani", "Denny Wu"],
        True,
    ),
    (
        "Transformers are Minimax Optimal Nonparametric In-Context Learners",
        ["Juno Kim", "Tai Nakamaki", "Taiji Suzuki"],
        False,
    ),
    ("Hessian Based Smoothing Splines for Manifold Learning", ["Juno Kim"], False),
    (
        "Sharp Capacity Thresholds in Linear Associative Memory: From Winner-Take-All to Listwise Retrieval",
        ["Nicholas Barnfield", "Juno Kim", "Eshaan Nichani"],
        True,
    ),
    (
        "Transformers Learn Nonlinear Features In Context: "
        "Nonconvex Mean-field Dynamics on the Attention Landscape",
        ["Juno Kim", "Taiji Suzuki"],
        False,
    ),
    (
        "Transformers Provably Solve Parity Efficiently with Chain of Thought",
        ["Juno Kim", "Taiji Suzuki"],
        False,
    ),
    (
        "Coverage Improvement and Fast Convergence of On-policy Preference Learning",
        ["Juno Kim", "Jihun Yun", "Jason D. Lee"],
        True,
    ),
    (
        "Metastable Dynamics of Chain-of-Thought Reasoning: Provable Benefits of Search, RL and Distillation",
        ["Juno Kim", "Denny Wu", "Jason Lee"],
        True,
    ),
    (
        "A Novel Nuanced Conversation Evaluation Framework for Large Language Models in Mental Health",
        ["Alexander Marrapese", "Basem Suleiman", "Imdad Ullah"],
        True,
    ),
    (
        "OV-MAP : Open-Vocabulary Zero-Shot 3D Instance Segmentation Map for Robots",
        ["Juno Kim", "Yesol Park", "Hye-Jung Yoon"],
        True,
    ),
    ("Mirror Mean-Field Langevin Dynamics", ["Anming Gu", "Juno Kim"], False),
    (
        "Optimality and Adaptivity of Deep Neural Features for Instrumental Variable Regression",
        ["Juno Kim", "Dimitri Meunier", "Arthur Gretton"],
        True,
    ),
    (
        "Alignment as Distribution Learning: Your Preference Model is Explicitly a Language Model",
        ["Jihun Yun", "Juno Kim", "Jongho Park"],
        True,
    ),
    (
        "Developing Normative Gait Cycle Parameters for Clinical Analysis Using Human Pose Estimation",
        ["Rahm Ranjan", "David Ahmedt-Aristizabal", "Mohammad Ali Armin"],
        True,
    ),
    ("Predicting the Popularity of Reddit Posts with AI", ["Juno Kim"], False),
]


def test_profile_title_author_split_for_every_entry(parsed: dict[str, ParsedFile]) -> None:
    got = [(p.title, p.authors, p.authors_truncated) for p in parsed[F000].papers]
    assert got == EXPECTED_000


def test_profile_metadata(parsed: dict[str, ParsedFile]) -> None:
    papers = parsed[F000].papers
    gait = by_title(papers, EXPECTED_000[0][0])
    assert gait.category == "CV"
    assert gait.published == date(2024, 7, 5)
    assert gait.date_text == "Jul 5, 2024"
    assert gait.has_code is True
    assert gait.authors_truncated is True
    assert len(gait.authors) == 3
    assert gait.author_count is None  # "et al.": the real number is unknown
    assert gait.abstract.startswith("Clinical gait analysis (CGA) using computer vision")

    sharp = by_title(papers, "Sharp Capacity Scaling of Spectral Optimizers in Learning Associative Memory")
    assert (sharp.category, sharp.date_text, sharp.published) == ("LG", "Mar 27", None)
    assert sharp.has_code is False

    hessian = by_title(papers, "Hessian Based Smoothing Splines for Manifold Learning")
    assert (hessian.category, hessian.published, hessian.author_count) == ("ML", date(2023, 2, 10), 1)
    metastable = by_title(papers, EXPECTED_000[8][0])
    assert metastable.category == "AI"
    assert by_title(papers, EXPECTED_000[9][0]).category == "CL"
    assert by_title(papers, EXPECTED_000[1][0]).upvotes is None
    assert [p.title for p in papers if p.has_code] == [EXPECTED_000[0][0]]
    assert sorted(p.date_text or "" for p in papers if p.published is None) == ["Jan 13", "Mar 27", "May 6"]


@pytest.mark.parametrize(
    ("glued", "title", "authors", "truncated"),
    [
        (
            "Predicting the Popularity of Reddit Posts with AIJuno Kim",
            "Predicting the Popularity of Reddit Posts with AI",
            ["Juno Kim"],
            False,
        ),
        (
            "Deep Nets with DeepMindAda McDonald, B. C. O'Neil",
            "Deep Nets with DeepMind",
            ["Ada McDonald", "B. C. O'Neil"],
            False,
        ),
        (
            "Is Attention Enough?Jean-Luc Picard, Ludwig van Beethoven et al.",
            "Is Attention Enough?",
            ["Jean-Luc Picard", "Ludwig van Beethoven"],
            True,
        ),
        ("Mega-TTS 2Ann Lee", "Mega-TTS 2", ["Ann Lee"], False),
        ("Fréchet Nets for 3D ShapesÉlodie Müller", "Fréchet Nets for 3D Shapes", ["Élodie Müller"], False),
    ],
)
def test_split_title_authors_edge_cases(glued: str, title: str, authors: list[str], truncated: bool) -> None:
    assert split_title_authors(glued) == (title, authors, truncated)


def test_split_title_authors_gives_up_without_an_author_list() -> None:
    assert split_title_authors("A title with no authors at all") is None
    assert split_title_authors("lowercase title") is None


def test_unsplittable_profile_line_keeps_paper_and_reports() -> None:
    text = "LGMar 27, 2024\nsome lowercase title without authors\nAn abstract that says something.\n"
    pf = parse_text(text, "p.txt")
    assert [p.title for p in pf.papers] == ["some lowercase title without authors"]
    assert pf.papers[0].authors == []
    assert len(pf.problems) == 1 and pf.problems[0].entry == "line 2"


def test_daily_metadata_and_upvotes(parsed: dict[str, ParsedFile]) -> None:
    p002 = parsed[F002].papers
    chirp = p002[0]
    # "Jan 9" of the page header is chrome: the first paper keeps its own date.
    assert chirp.title == "Chirp Localization via Fine-Tuned Transformer Model: A Proof-of-Concept Study"
    assert (chirp.author_count, chirp.date_text, chirp.published, chirp.upvotes) == (
        2,
        "Mar 24, 2025",
        date(2025, 3, 24),
        None,
    )
    causal = by_title(
        p002, "An Analysis of Causal Effect Estimation using Outcome Invariant Data Augmentation"
    )
    assert (causal.date_text, causal.published, causal.upvotes, causal.author_count) == (
        "Oct 28, 2025",
        date(2025, 10, 28),
        1,
        5,
    )
    linfusion = by_title(p002, "LinFusion: 1 GPU, 1 Minute, 16K Image")
    assert (linfusion.upvotes, linfusion.published) == (4, date(2024, 9, 3))
    assert {p.upvotes for p in p002} == {None, 1, 2, 4}

    p004 = parsed[F004].papers
    revisit = by_title(p004, "Revisiting Diffusion Model Predictions Through Dimensionality")
    # "Jan 29 2": a date without year followed by 2 upvotes -- no year is guessed.
    assert (revisit.date_text, revisit.published, revisit.upvotes, revisit.author_count) == (
        "Jan 29",
        None,
        2,
        2,
    )
    kan = by_title(
        p004, "Kolmogorov-Arnold Attention: Is Learnable Attention Better For Vision Transformers?"
    )
    assert (kan.upvotes, kan.published) == (3, date(2025, 3, 13))

    one = by_title(
        parsed[F003].papers, "When is Realizability Sufficient for Off-Policy Reinforcement Learning?"
    )
    assert one.author_count == 1  # the listing says "1 authors"
    rovr = by_title(
        parsed[F003].papers, "ROVR-Open-Dataset: A Large-Scale Depth Dataset for Autonomous Driving"
    )
    assert rovr.author_count == 14


def test_entries_without_metadata_lines(parsed: dict[str, ParsedFile]) -> None:
    debias = next(
        p for p in parsed[F002].papers if p.title.startswith("Debiasing Machine Learning Predictions")
    )
    assert debias.abstract.startswith("Machine learning models trained on Earth observation data")
    assert (debias.author_count, debias.date_text, debias.published, debias.upvotes) == (
        None,
        None,
        None,
        None,
    )
    # The entry after it still gets its own metadata.
    smooth = by_title(
        parsed[F002].papers, "Smooth Diffusion: Crafting Smooth Latent Spaces in Diffusion Models"
    )
    assert (smooth.author_count, smooth.published) == (9, date(2023, 12, 7))
    # File 001 has no metadata at all; nothing is invented.
    for p in parsed[F001].papers:
        assert (p.author_count, p.date_text, p.published, p.upvotes, p.authors, p.category) == (
            None,
            None,
            None,
            None,
            [],
            None,
        )
    assert parsed[F001].papers[0].title == "Understanding Certified Training with Interval Bound Propagation"
    assert parsed[F001].papers[-1].title == (
        "AutoNumerics-Zero: Automated Discovery of State-of-the-Art Mathematical Functions"
    )


def test_page_chrome_never_becomes_a_paper(parsed: dict[str, ParsedFile]) -> None:
    chrome = {
        "new",
        "subscribe",
        "daily papers",
        "get trending papers in your email inbox!",
        "byak and the research community",
        "jan 9",
        "jan 8",
        "feb 9",
        "mar 11",
    }
    for pf in parsed.values():
        for p in pf.papers:
            assert p.title.casefold() not in chrome
            assert p.abstract.casefold() not in chrome


def test_daily_layout_irregular_entries() -> None:
    long_abstract = "This abstract is long enough to be recognised as an abstract by the parser. " * 4
    text = "\n\n".join(
        [
            "new",
            "Subscribe",
            "Daily Papers",
            "Mar 11",
            "A Title Whose Abstract Went Missing",
            "The Next Title",
            long_abstract,
            "  • 3 authors",
            "·",
            "Jan 29",
            "Last Title",
            long_abstract,
            "May 5, 2021 12",
        ]
    )
    pf = parse_text(text, "daily.txt")
    assert [p.title for p in pf.papers] == ["The Next Title", "Last Title"]
    nxt, last = pf.papers
    assert (nxt.author_count, nxt.date_text, nxt.published, nxt.upvotes) == (3, "Jan 29", None, None)
    assert (last.author_count, last.published, last.upvotes) == (None, date(2021, 5, 5), 12)
    assert [p.entry for p in pf.problems] == ["line 9"]
    assert "without an abstract" in pf.problems[0].message


# ------------------------------------------------------------------------------------------ merging
def test_merge_whole_corpus(parsed: dict[str, ParsedFile], merged: list[Paper]) -> None:
    total = sum(len(pf.papers) for pf in parsed.values())
    assert total == 192
    assert len(merged) == 186
    keys = [normalize_title(p.title) for p in merged]
    assert len(set(keys)) == len(keys)
    assert [p.id for p in merged] == sorted(p.id for p in merged)
    assert all(p.id == paper_id(p.title) for p in merged)
    multi = {p.title: p.sources for p in merged if len(p.sources) > 1}
    assert multi == {
        "Refined Regret for Adversarial MDPs with Linear Function Approximation": [F001, F002],
        "Mitigating the Curse of Dimensionality for Certified Robustness via Dual Randomized Smoothing": [
            F001,
            F002,
        ],
        "Does Sparsity Help in Learning Misspecified Linear Bandits?": [F001, F002],
        "SePiCo: Semantic-Guided Pixel Contrast for Domain Adaptive Semantic Segmentation": [F001, F003],
        "Grokking as the Transition from Lazy to Rich Training Dynamics": [F003, F004],
        FRECHET: [F003, F004],
    }


def test_merge_takes_metadata_from_the_file_that_has_it(merged: list[Paper]) -> None:
    # 001 lists the paper without any metadata, 002 with 4 authors and a full date.
    refined = by_title(merged, "Refined Regret for Adversarial MDPs with Linear Function Approximation")
    assert refined.sources == [F001, F002]
    assert (refined.author_count, refined.published, refined.date_text) == (
        4,
        date(2023, 1, 30),
        "Jan 30, 2023",
    )
    assert refined.abstract.startswith("We consider learning in an adversarial Markov Decision Process")
    sepico = by_title(
        merged, "SePiCo: Semantic-Guided Pixel Contrast for Domain Adaptive Semantic Segmentation"
    )
    assert (sepico.author_count, sepico.published) == (6, date(2022, 4, 19))


def test_merge_rules_on_synthetic_listings() -> None:
    profile = "CVJul 5, 2024Code\nGait Nets: A Study!Ann Lee, Bo Chen et al.\nShort abstract.\n"
    daily = (
        "new\n\nSubscribe\n\nJan 9\n\n"
        "GAIT NETS - a study\n\n"
        "A longer abstract of the same paper, with more words in it.\n\n"
        "  • 5 authors\n\n·\n\nJul 5, 2024 7\n"
    )
    bib = (
        "@article{lee2024,\n title={Gait nets: a study},\n author={Lee, Ann and Chen, Bo and Wu, Cy},\n"
        " abstract={Short.},\n year={2024}\n}\n"
    )
    files = [parse_text(profile, "a.txt"), parse_text(daily, "b.txt"), parse_text(bib, "c.bib")]
    assert [len(f.papers) for f in files] == [1, 1, 1], [f.problems for f in files]
    (paper,) = merge_papers(files)
    assert paper.title == "Gait Nets: A Study!"  # first non-empty
    assert paper.id == paper_id("gait nets a study")
    assert paper.abstract == "A longer abstract of the same paper, with more words in it."  # longest
    assert paper.authors == ["Ann Lee", "Bo Chen", "Cy Wu"]  # longest explicit list
    assert paper.authors_truncated is False  # the kept list is the complete BibTeX one
    assert paper.author_count == 5  # stated by the daily listing
    assert (paper.published, paper.date_text) == (date(2024, 7, 5), "Jul 5, 2024")
    assert (paper.category, paper.has_code, paper.upvotes) == ("CV", True, 7)
    assert paper.external_id == "lee2024"
    assert paper.sources == ["a.txt", "b.txt", "c.bib"]


def test_merge_keeps_truncation_flag_of_kept_list() -> None:
    a = parse_text("LGMar 1, 2020\nSome TitleAnn Lee, Bo Chen et al.\nAbstract one.\n", "a.txt")
    b = parse_text("LGMar 1, 2020\nSome TitleAnn Lee\nAbstract.\n", "b.txt")
    (paper,) = merge_papers([b, a])
    assert paper.authors == ["Ann Lee", "Bo Chen"] and paper.authors_truncated is True
    assert paper.author_count == 1  # only the complete single-author list gives a count


# ------------------------------------------------------------------------------------------ ids
def test_normalize_title_and_paper_id() -> None:
    assert normalize_title("  OV-MAP : Open—Vocabulary  3D ") == "ov map open vocabulary 3d"
    assert normalize_title("Ｆｕｌｌwidth_Title") == "fullwidth title"
    assert normalize_title("Fréchet") == normalize_title("Fre\u0301chet") == "fréchet"
    pid = paper_id("Fréchet Cumulative Covariance Net for Deep Nonlinear Sufficient Dimension Reduction")
    slug, digest = pid.rsplit("-", 1)
    assert slug == "frechet-cumulative-covariance-net-for-de"
    assert len(slug) <= 40 and re.fullmatch(r"[0-9a-f]{8}", digest)
    # the digest is of the whole normalized title: two titles sharing their first six words stay apart
    long_a = "Fréchet Cumulative Covariance Net for Deep Nonlinear Sufficient Dimension Reduction"
    long_b = "Fréchet Cumulative Covariance Net for Deep Nonlinear Dimension Reduction Revisited"
    assert paper_id(long_a).rsplit("-", 1)[0] == paper_id(long_b).rsplit("-", 1)[0]
    assert paper_id(long_a) != paper_id(long_b)
    assert paper_id("Gait Nets: A Study") == paper_id("gait nets -- a study")
    assert paper_id("Gait Nets: A Study") != paper_id("Gait Nets: A Study 2")
    assert paper_id("Mirror Mean-Field Langevin Dynamics").startswith("mirror-mean-field-langevin-dynamics-")


def test_corpus_invariants(merged: list[Paper]) -> None:
    for p in merged:
        assert p.title.strip() and p.abstract.strip()
        assert "\n" not in p.title and "\n" not in p.abstract
        if p.published is not None:
            assert p.date_text and str(p.published.year) in p.date_text
        if p.date_text and p.published is None:
            assert not any(str(y) in p.date_text for y in range(1990, 2031))


# ------------------------------------------------------------------------------------------ arXiv JSONL
ARXIV_JSONL = "\n".join(
    [
        '{"id": "2401.00001", "title": "Gait Nets:\\n  A  Study", "authors": "Ann Lee, Bo Chen and Cy Wu",'
        ' "abstract": "  We study\\n gait.\\n", "categories": "cs.CV cs.LG", "update_date": "2024-01-05"}',
        '{"id": "2401.00002", "title": "Bandits", "authors": "ignored",'
        ' "authors_parsed": [["Kim", "Juno", ""], ["Suzuki", "Taiji", "Jr"]],'
        ' "abstract": "Regret.", "categories": "stat.ML", "update_date": "2023-05-01"}',
        "{not json",
        '{"id": "2401.00004", "title": "No abstract here", "authors": "X", "abstract": "  "}',
        "",
        '{"id": "hep-th/9901001", "title": "Strings", "authors": "A. Author et al.", "abstract": "Theory.",'
        ' "categories": "hep-th math.OC", "update_date": "not a date"}',
        '{"id": "2401.00006", "title": "Optimal control", "authors": "Z", "abstract": "Control.",'
        ' "categories": "math.OC"}',
    ]
)


def test_arxiv_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "snapshot.jsonl"
    path.write_text(ARXIV_JSONL, encoding="utf-8")
    pf = parse_path(path)
    assert [p.title for p in pf.papers] == ["Gait Nets: A Study", "Bandits", "Strings", "Optimal control"]
    gait, bandits, strings, control = pf.papers
    assert gait.abstract == "We study gait."
    assert gait.authors == ["Ann Lee", "Bo Chen", "Cy Wu"] and gait.author_count == 3
    assert (gait.category, gait.published, gait.date_text) == ("CV", date(2024, 1, 5), "2024-01-05")
    assert gait.external_id == "2401.00001" and gait.sources == ["snapshot.jsonl"]
    assert bandits.authors == ["Juno Kim", "Taiji Suzuki Jr"]
    assert bandits.category == "ML"
    assert strings.category == "hep-th" and strings.published is None
    assert strings.authors == ["A. Author"] and strings.authors_truncated is True
    assert control.category == "OC"
    assert [(p.entry, p.source) for p in pf.problems] == [
        ("line 3", "snapshot.jsonl"),
        ("line 4", "snapshot.jsonl"),
    ]
    assert "malformed JSON" in pf.problems[0].message
    assert "no abstract" in pf.problems[1].message


def test_json_array_and_content_detection(tmp_path: Path) -> None:
    path = tmp_path / "papers.json"
    path.write_text(
        '[\n {"title": "T one", "abstract": "A one."},\n {"title": "T two"}\n]\n', encoding="utf-8"
    )
    pf = parse_path(path)
    assert [p.title for p in pf.papers] == ["T one"]
    assert [p.entry for p in pf.problems] == ["item 2"]
    # No telling suffix: detected from the first non-blank character.
    assert len(parse_text('\n {"title": "T", "abstract": "A."}\n', "x.dat").papers) == 1


# ------------------------------------------------------------------------------------------ BibTeX
BIBTEX = r"""
@string{neurips = "Advances in Neural Information Processing Systems"}

@inproceedings{kim2024gait,
  title     = {{Fr{\'e}chet} Gait Nets: \emph{A} Study},
  author    = {Kim, Juno and M{\"u}ller, J{\"o}rg and Taiji Suzuki},
  booktitle = neurips,
  year      = {2024},
  month     = jul,
  day       = {5},
  abstract  = {We study {G}ait with
               $O(n^2)$ cost \& more.},
  primaryClass = {cs.CV}
}

@misc{noabstract2023,
  title  = {A Paper Without Abstract},
  author = {Lee, Ann},
  year   = {2023}
}

@article{yearonly,
  title    = {Year Only},
  author   = {Ann Lee and others},
  year     = 2021,
  abstract = {Text.}
}

@online{notitle,
  abstract = {Orphan abstract.}
}
"""


def test_bibtex(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_text(BIBTEX, encoding="utf-8")
    pf = parse_path(path)
    assert [p.external_id for p in pf.papers] == ["kim2024gait", "yearonly"]
    gait, year_only = pf.papers
    assert gait.title == "Fréchet Gait Nets: A Study"
    assert gait.abstract == "We study Gait with $O(n^2)$ cost & more."
    assert gait.authors == ["Juno Kim", "Jörg Müller", "Taiji Suzuki"] and gait.author_count == 3
    assert gait.published == date(2024, 7, 5) and "2024" in (gait.date_text or "")
    assert gait.category == "CV" and gait.sources == ["refs.bib"]
    assert (year_only.published, year_only.date_text) == (None, "2021")
    assert year_only.authors == ["Ann Lee"] and year_only.authors_truncated is True
    problems = {p.entry: p.message for p in pf.problems}
    assert set(problems) == {"noabstract2023", "notitle"}
    assert problems["noabstract2023"] == "no abstract; skipped"
    assert str(pf.problems[0]).startswith("refs.bib [")


def test_bibtex_detected_from_content() -> None:
    pf = parse_text("@misc{k, title={T}, abstract={A.}}", "refs.txt")
    assert [p.external_id for p in pf.papers] == ["k"]


# ------------------------------------------------------------------------------------------ bad files
def _assert_single_problem(pf: ParsedFile, name: str, fragment: str) -> None:
    assert pf.papers == []
    assert len(pf.problems) == 1, pf.problems
    prob = pf.problems[0]
    assert prob.source == name and name in str(prob)
    assert "\n" not in prob.message and fragment in prob.message


def test_directory_given_as_file(tmp_path: Path) -> None:
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    _assert_single_problem(parse_path(folder), "folder.txt", "directory")


def test_dangling_symlink(tmp_path: Path) -> None:
    link = tmp_path / "gone.txt"
    link.symlink_to(tmp_path / "does-not-exist.txt")
    _assert_single_problem(parse_path(link), "gone.txt", "broken symbolic link")


def test_missing_file(tmp_path: Path) -> None:
    _assert_single_problem(parse_path(tmp_path / "nope.bib"), "nope.bib", "not found")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "locked.txt"
    path.write_text("x", encoding="utf-8")
    path.chmod(0)
    try:
        _assert_single_problem(parse_path(path), "locked.txt", "unreadable")
    finally:
        path.chmod(0o644)


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    _assert_single_problem(parse_path(path), "image.txt", "binary file, not text")


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Fr\xe9chet nets\n\nAbstract.".encode("latin-1"))
    _assert_single_problem(parse_path(path), "latin1.txt", "not UTF-8")


@pytest.mark.parametrize("content", ["", "  \n\n\t\n"])
def test_empty_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text(content, encoding="utf-8")
    _assert_single_problem(parse_path(path), "empty.jsonl", "empty file")


def test_huge_file_is_refused_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:  # sparse: no disk space used
        fh.truncate(MAX_FILE_BYTES + 1)
    _assert_single_problem(parse_path(path), "huge.txt", "too large")


def test_text_without_any_paper(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Shopping list\n\nmilk\neggs\n\nCall Bob on Monday.\n", encoding="utf-8")
    _assert_single_problem(parse_path(path), "notes.txt", "no paper listing recognised")


def test_malformed_bibtex_and_json(tmp_path: Path) -> None:
    bib = tmp_path / "broken.bib"
    bib.write_text("this is not bibtex at all", encoding="utf-8")
    pf = parse_path(bib)
    assert pf.papers == [] and len(pf.problems) == 1 and "\n" not in pf.problems[0].message
    js = tmp_path / "broken.json"
    js.write_text("{]", encoding="utf-8")
    pf = parse_path(js)
    assert pf.papers == [] and [p.entry for p in pf.problems] == ["line 1"]


# ------------------------------------------------------------------------------------------ discovery
def test_discover_files(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    for rel in [
        "a.txt",
        "b/c.bib",
        "b/d.jsonl",
        "b/e.JSON",
        "notes.md",
        ".secret.txt",
        ".hidden/f.txt",
        "image.png",
    ]:
        (tmp_path / rel).write_text("x", encoding="utf-8")
    explicit = tmp_path / "image.png"
    found = discover_files([tmp_path, explicit])
    names = [p.relative_to(tmp_path).as_posix() for p in found]
    assert names == ["a.txt", "b/c.bib", "b/d.jsonl", "b/e.JSON", "image.png"]
    assert discover_files([str(tmp_path / "missing.txt")]) == [tmp_path / "missing.txt"]


def test_bibtex_malformed_entry_is_named() -> None:
    text = "@article{good, title={Good}, abstract={Fine.}}\n\n@article{broken title={Bad}, abstract={X.}}\n"
    pf = parse_text(text, "refs.bib")
    assert [p.external_id for p in pf.papers] == ["good"]
    assert [(p.entry, p.message) for p in pf.problems] == [("broken", "malformed BibTeX entry; skipped")]


def test_file_with_only_broken_records_gives_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "garbage.jsonl"
    path.write_text("{oops\nnot json either\n[1, 2\n", encoding="utf-8")
    _assert_single_problem(parse_path(path), "garbage.jsonl", "no usable paper")
    assert "line 1" in parse_path(path).problems[0].message
