#!/usr/bin/env python3
"""Blind metadata evaluation set, built only from /tmp/blindwork/catalog.json.

Each question carries its own predicate (or aggregation) over the catalog.
Papers whose relevant field is unknown (None / empty) are never in gold;
predicates.md says how each question treats them.

Run:  python3 make_gold.py   -> writes qa_blind_metadata.jsonl next to this file
"""
import collections
import datetime as dt
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CATALOG = os.path.join(HERE, "..", "catalog.json")
OUT = os.path.join(HERE, "qa_blind_metadata.jsonl")

papers = json.load(open(CATALOG))
TITLES = {p["title"] for p in papers}
BY_TITLE = {p["title"]: p for p in papers}
assert len(TITLES) == len(papers), "duplicate titles in catalog"


# ---------------------------------------------------------------- helpers
def date(p):
    """Publication date, or None when the catalog has no full ISO date."""
    return dt.date.fromisoformat(p["published"][:10]) if p["published"] else None


def dated(pred):
    """Wrap a date predicate so undated papers are always excluded."""
    return lambda p: date(p) is not None and pred(date(p))


def between(a, b):
    a, b = dt.date.fromisoformat(a), dt.date.fromisoformat(b)
    return dated(lambda d: a <= d <= b)


def n_auth(p):
    return p["author_count"]  # None when unknown (incl. truncated author lists)


def has_author(pred):
    return lambda p: any(pred(a) for a in p["authors"])


def surname(a):
    return a.split()[-1]


def select(pred):
    return [p["title"] for p in papers if pred(p)]


NEWEST = max(date(p) for p in papers if date(p))
OLDEST = min(date(p) for p in papers if date(p))
TWO_YEARS_BEFORE_NEWEST = NEWEST.replace(year=NEWEST.year - 2)

MONTHS = ["January", "February", "March", "April", "May", "June", "July",
          "August", "September", "October", "November", "December"]
CAT_NAMES = {"LG": "cs.LG (Machine Learning)", "ML": "stat.ML (Machine Learning, statistics)",
             "CV": "cs.CV (Computer Vision)", "CL": "cs.CL (Computation and Language)",
             "AI": "cs.AI (Artificial Intelligence)"}

QUESTIONS = []


def add(qid, question, gold, reference, key_facts=(), expect=None):
    gold = list(gold)
    for t in gold:
        assert t in TITLES, f"{qid}: unknown title {t!r}"
    assert gold, f"{qid}: empty gold"
    assert len(set(gold)) == len(gold), f"{qid}: duplicate gold"
    if expect is not None:
        assert len(gold) == expect, f"{qid}: expected {expect}, got {len(gold)}"
    QUESTIONS.append({
        "id": "blind-meta-" + qid, "type": "metadata", "question": question,
        "gold_titles": gold, "acceptable_titles": [],
        "reference_answer": reference, "key_facts": [str(k) for k in key_facts],
    })


def titles_str(ts, limit=6):
    s = "; ".join(ts[:limit])
    return s + ("; ..." if len(ts) > limit else "")


# ================================================================ DATES
g = select(between("2025-03-01", "2025-03-31"))
add("date-month-mar2025", "what came out in March 2025?", g,
    f"{len(g)} papers are dated March 2025: {titles_str(g)}.", [len(g)], expect=5)

g = select(dated(lambda d: d.year == 2023))
add("date-count-2023", "How many of the papers were published in 2023?", g,
    f"{len(g)} papers have a 2023 publication date.", [len(g)], expect=23)

g = select(dated(lambda d: d.year == 2022))
add("date-year-2022", "Show me the 2022 papers in the collection", g,
    f"{len(g)} papers are from 2022: {titles_str(g, 8)}.", [len(g)], expect=8)

g = select(between("2024-03-01", "2024-05-31"))
add("date-range-mar-may-2024", "Which papers were published between March and May 2024?", g,
    f"{len(g)} papers fall in March-May 2024: {titles_str(g)}.", [len(g)], expect=4)

g = select(between("2024-03-01", "2024-05-31"))
add("date-spring-2024", "spring 2024 papers?", g,
    f"{len(g)} papers are dated March-May 2024: {titles_str(g)}.", [len(g)], expect=4)

g = select(between("2024-01-01", "2024-06-30"))
add("date-h1-2024", "list the papers from the first half of 2024", g,
    f"{len(g)} papers are dated January-June 2024: {titles_str(g, 8)}.", [len(g)], expect=8)

g = select(between("2025-03-01", "2025-05-31"))
add("date-spring-2025", "Anything published in spring 2025?", g,
    f"{len(g)} papers are dated March-May 2025, e.g. {titles_str(g, 4)}.", [len(g)], expect=10)

g = select(dated(lambda d: d >= dt.date(2023, 1, 1)))
add("date-since-2023", "How many papers have been published since 2023?", g,
    f"{len(g)} dated papers are from 2023 or later (2023: 23, 2024: 18, 2025: 23).",
    [len(g)], expect=64)

g = select(dated(lambda d: d < dt.date(2022, 1, 1)))
add("date-before-2022", "Which papers predate 2022?", g,
    f"{len(g)} papers were published before 2022: {titles_str(g)}.", [len(g)], expect=5)

g = select(dated(lambda d: TWO_YEARS_BEFORE_NEWEST <= d <= NEWEST))
add("date-last-two-years", "How many papers are from the last two years?", g,
    f"Counting back two years from the newest dated paper ({NEWEST.isoformat()}), "
    f"{len(g)} papers fall between {TWO_YEARS_BEFORE_NEWEST.isoformat()} and {NEWEST.isoformat()} "
    "(papers without a year are not counted).",
    [len(g)])

g = select(dated(lambda d: d > dt.date(2025, 6, 30)))
add("date-after-june-2025", "papers published after June 2025?", g,
    f"{len(g)} papers are dated July 2025 or later: {titles_str(g)}.", [len(g)], expect=6)

g = select(between("2024-07-01", "2024-09-30"))
add("date-q3-2024", "What do we have from Q3 2024?", g,
    f"{len(g)} papers are dated July-September 2024: {titles_str(g)}.", [len(g)], expect=5)

g = select(between("2025-10-01", "2025-12-31"))
assert g == select(between("2025-09-01", "2025-12-31")), "late-2025 definition matters"
add("date-late-2025", "Which papers appeared in late 2025?", g,
    f"{len(g)} papers are from late 2025 (October-November): {titles_str(g)}.", [len(g)], expect=4)

g = select(between("2023-09-01", "2023-09-30"))
add("date-month-sep2023", "anything from september 2023?", g,
    f"{len(g)} papers are dated September 2023: {titles_str(g)}.", [len(g)], expect=4)

# ================================================================ EXTREMES
g = select(dated(lambda d: d == OLDEST))
add("extreme-oldest", "What's the oldest paper in the collection?", g,
    f"The oldest dated paper is '{g[0]}' ({OLDEST.isoformat()}).", ["2019"], expect=1)

g = select(dated(lambda d: d == NEWEST))
add("extreme-newest", "Which is the most recent paper?", g,
    f"Two papers share the newest full date, {NEWEST.isoformat()}: {titles_str(g)} "
    "(four papers carry only a month and day, with no year, and cannot be placed).",
    ["November 8, 2025"], expect=2)

g = select(lambda p: p["category"] == "CV" and date(p) is not None)
g = [max(g, key=lambda t: date(BY_TITLE[t]))]
add("extreme-newest-cv", "What is the latest computer vision paper we have?", g,
    f"The most recent cs.CV paper is '{g[0]}' ({BY_TITLE[g[0]]['published'][:10]}).",
    ["June 2025"], expect=1)

g = [min(select(dated(lambda d: d.year == 2023)), key=lambda t: date(BY_TITLE[t]))]
add("extreme-first-2023", "what was the earliest paper published in 2023?", g,
    f"The earliest 2023 paper is '{g[0]}' ({BY_TITLE[g[0]]['published'][:10]}).",
    ["January 2, 2023"], expect=1)

# ================================================================ AUTHOR COUNTS
g = select(lambda p: n_auth(p) is not None and n_auth(p) >= 8)
add("count-8plus-authors", "Which papers have eight or more authors?", g,
    f"{len(g)} papers have at least eight authors; the largest is the ROVR depth dataset paper with 14.",
    [len(g)], expect=9)

g = select(lambda p: n_auth(p) is not None and n_auth(p) > 10)
add("count-over-ten-authors", "How many papers have more than ten authors?", g,
    f"Only {len(g)} paper has more than ten authors: '{g[0]}' (14 authors).", [len(g), 14], expect=1)

g = select(lambda p: n_auth(p) is not None and n_auth(p) < 3)
add("count-under-three-authors", "how many papers were written by fewer than three people?", g,
    f"{len(g)} papers have one or two authors (3 single-author, 9 two-author).", [len(g)], expect=12)

g = select(lambda p: n_auth(p) == 6)
add("count-six-authors", "Which papers have exactly six authors?", g,
    f"{len(g)} papers have exactly six authors.", [len(g)], expect=10)

g = select(lambda p: n_auth(p) == 1)
add("single-author", "Are there any single-author papers?", g,
    f"{len(g)} papers have a single author: {titles_str(g)} (the first two by Juno Kim).",
    [len(g)], expect=3)

mx = max(n_auth(p) for p in papers if n_auth(p))
g = select(lambda p: n_auth(p) == mx)
add("largest-team", "Which paper has the biggest author team?", g,
    f"'{g[0]}' has the most authors ({mx}).", [mx], expect=1)

# ================================================================ AUTHOR NAMES
JUNO = select(has_author(lambda a: a == "Juno Kim"))
assert len(JUNO) == 13
g = select(has_author(lambda a: surname(a) == "Suzuki"))
add("author-surname-suzuki", "papers by Suzuki", g,
    f"Taiji Suzuki co-authored {len(g)} papers, all with Juno Kim: {titles_str(g)}.",
    ["Taiji Suzuki", len(g)], expect=3)

g = select(has_author(lambda a: a.startswith("J") and surname(a) == "Kim"))
assert g == JUNO
add("author-initial-jkim", "What has J. Kim published?", g,
    f"J. Kim is Juno Kim, an author of {len(g)} papers in the collection.",
    ["Juno Kim", len(g)], expect=13)

g = select(has_author(lambda a: a == "Eshaan Nichani"))
add("author-typo-nichani", "show me the papers by Eshan Nichani", g,
    f"Eshaan Nichani (spelled with a double 'a') co-authored {len(g)} papers: {titles_str(g)}.",
    ["Eshaan Nichani", len(g)], expect=2)

g = select(has_author(lambda a: a == "Taiji Suzuki"))
add("author-typo-suzuki", "How many papers has Taiji Suzuky co-written?", g,
    f"Taiji Suzuki (spelled with an 'i') is a co-author of {len(g)} papers: {titles_str(g)}.",
    ["Taiji Suzuki", len(g)], expect=3)

g = select(has_author(lambda a: a == "David Ahmedt-Aristizabal"))
add("author-accent-aristizabal", "Which papers are by David Ahmedt-Aristizábal?", g,
    f"David Ahmedt-Aristizabal (listed without the accent) co-authored {len(g)} gait-analysis papers: {titles_str(g)}.",
    ["Ahmedt-Aristizabal", len(g)], expect=2)

g = select(has_author(lambda a: a.startswith("Jason") and surname(a) == "Lee"))
add("author-middle-initial-lee", "Papers with Jason Lee as an author?", g,
    f"Jason Lee appears on {len(g)} papers (once listed as 'Jason D. Lee'): {titles_str(g)}.",
    [len(g)], expect=2)

g = select(has_author(lambda a: a == "Denny Wu"))
add("author-denny-wu", "did Denny Wu write anything in here", g,
    f"Yes, Denny Wu co-authored {len(g)} papers: {titles_str(g)}.", [len(g)], expect=2)

g = select(has_author(lambda a: a == "Mohammad Ali Armin"))
add("author-initials-armin", "papers by M. A. Armin?", g,
    f"Mohammad Ali Armin co-authored {len(g)} papers: {titles_str(g)}.",
    ["Mohammad Ali Armin", len(g)], expect=2)

g = JUNO
add("count-dozen-juno", "Does Juno Kim have at least a dozen papers here? how many exactly?", g,
    f"Yes: Juno Kim is an author of {len(g)} papers, more than a dozen.", [len(g)], expect=13)

# co-author aggregation
co = collections.Counter(a for t in JUNO for a in BY_TITLE[t]["authors"] if a != "Juno Kim")
(top, topn), = co.most_common(1)
assert top == "Taiji Suzuki" and topn == 3 and co.most_common(2)[1][1] < 3
g = select(has_author(lambda a: a == top))
add("agg-top-coauthor", "Who has co-authored most often with Juno Kim?", g,
    f"Taiji Suzuki, on {topn} papers: {titles_str(g)}.", ["Taiji Suzuki", topn], expect=3)

auth = collections.Counter(a.replace("Jason D. Lee", "Jason Lee") for p in papers for a in p["authors"])
top2 = auth.most_common(3)
assert top2[0] == ("Juno Kim", 13) and top2[1] == ("Taiji Suzuki", 3) and top2[2][1] == 2
g = select(has_author(lambda a: a in ("Juno Kim", "Taiji Suzuki")))
add("agg-frequent-authors", "Which authors show up most often in the collection?", g,
    "Juno Kim is by far the most frequent author (13 papers), followed by Taiji Suzuki (3); "
    "several others appear twice.", ["Juno Kim", "13", "Taiji Suzuki", "3"], expect=13)

# ================================================================ CATEGORIES
g = select(lambda p: p["category"] == "CV")
add("cat-cv-count", "How many computer vision papers are there?", g,
    f"{len(g)} papers are in cs.CV: {titles_str(g)}.", [len(g)], expect=3)

g = select(lambda p: p["category"] == "LG")
add("cat-lg-list", "list the LG papers", g,
    f"{len(g)} papers are categorised cs.LG: {titles_str(g)}.", [len(g)], expect=6)

g = select(lambda p: p["category"] == "ML")
add("cat-statml-code", "What's in stat.ML?", g,
    f"{len(g)} papers are in stat.ML: {titles_str(g)}.", [len(g)], expect=5)

g = select(lambda p: p["category"] == "ML")
add("cat-statistics-name", "Which papers are filed under statistics?", g,
    f"The statistics (stat.ML) category holds {len(g)} papers, all co-authored by Juno Kim.",
    [len(g)], expect=5)

g = select(lambda p: p["category"] in ("LG", "ML"))
add("cat-ml-both", "How many machine learning papers are there, counting both cs.LG and stat.ML?", g,
    f"{len(g)} papers: 6 in cs.LG and 5 in stat.ML.", [len(g), "6", "5"], expect=11)

g = select(lambda p: p["category"] == "CL")
add("cat-cl-name", "anything categorised as computation and language (NLP)?", g,
    f"One paper is in cs.CL: '{g[0]}'.", [len(g)], expect=1)

g = select(lambda p: p["category"] is not None)
dist = collections.Counter(BY_TITLE[t]["category"] for t in g)
add("agg-per-category", "Break down the papers by arXiv category", g,
    "Only 16 papers have a category: " + ", ".join(f"{CAT_NAMES[k]} {v}" for k, v in dist.most_common())
    + "; the other 170 have none recorded.",
    [f"{k}: {v}" for k, v in dist.most_common()], expect=16)

g = select(lambda p: p["category"] == "LG" and date(p) is not None and date(p).year == 2025)
add("cat-lg-2025", "LG papers from 2025?", g,
    f"{len(g)} cs.LG papers are dated 2025: {titles_str(g)}.", [len(g)], expect=2)

g = select(lambda p: "Juno Kim" in p["authors"] and date(p) is not None and date(p).year == 2024)
add("author-year-juno-2024", "What did Juno Kim publish in 2024?", g,
    f"{len(g)} Juno Kim papers are dated 2024: {titles_str(g)}.", [len(g)], expect=3)

# ================================================================ UPVOTES / CODE
mxu = max(p["upvotes"] for p in papers if p["upvotes"] is not None)
g = select(lambda p: p["upvotes"] == mxu)
add("upvotes-most", "Which paper got the most upvotes?", g,
    f"'{g[0]}' has the most upvotes ({mxu}).", [mxu], expect=1)

g = select(lambda p: p["upvotes"] is not None and p["upvotes"] >= 2)
add("upvotes-at-least-2", "papers with at least 2 upvotes", g,
    f"{len(g)} papers have two or more upvotes: {titles_str(g)}.", [len(g)], expect=6)

g = select(lambda p: p["upvotes"] is not None and p["upvotes"] >= 3)
add("upvotes-3plus", "How many papers have three or more upvotes?", g,
    f"{len(g)}: {titles_str(g)}.", [len(g)], expect=2)

g = select(lambda p: p["has_code"])
add("has-code", "Which papers come with code available?", g,
    f"Only one paper is marked as having code: '{g[0]}'.", [len(g)], expect=1)

# ================================================================ AGGREGATIONS
g = select(lambda p: date(p) is not None)
yd = collections.Counter(date(BY_TITLE[t]).year for t in g)
add("agg-per-year", "How many papers per year?", g,
    "Of the 77 papers with a full date: " + ", ".join(f"{y}: {n}" for y, n in sorted(yd.items()))
    + " (109 papers have no year).",
    [f"{y}: {n}" for y, n in sorted(yd.items())], expect=77)

g = select(dated(lambda d: d.year == 2024))
md = collections.Counter(date(BY_TITLE[t]).month for t in g)
add("agg-per-month-2024", "give me a month-by-month count for 2024", g,
    "2024 papers by month: " + ", ".join(f"{MONTHS[m-1]} {n}" for m, n in sorted(md.items()))
    + "; none in May or June.",
    [f"{MONTHS[m-1]}: {n}" for m, n in sorted(md.items())], expect=18)

# ================================================================ COMBINED WITH A TOPIC
# Topic membership is fixed by reading abstracts (explicit title lists below); the
# metadata part is applied by predicate, and the script checks that each listed
# title satisfies it.
def topic(qid, question, topic_titles, meta_pred, reference, key_facts=(), expect=None):
    for t in topic_titles:
        assert t in TITLES, f"{qid}: unknown topic title {t!r}"
        assert meta_pred(BY_TITLE[t]), f"{qid}: {t!r} fails the metadata predicate"
    add(qid, question, topic_titles, reference, key_facts, expect)

# Only cs.LG/stat.ML paper whose abstract mentions bandits ("contextual bandit setting").
topic("topic-ml-bandits", "Which machine learning papers mention bandits?",
      ["Coverage Improvement and Fast Convergence of On-policy Preference Learning"],
      lambda p: p["category"] in ("LG", "ML"),
      "Among the cs.LG/stat.ML papers, only 'Coverage Improvement and Fast Convergence of On-policy "
      "Preference Learning' (cs.LG) mentions bandits, analysing DPO in a contextual bandit setting.",
      expect=1)

# 2024 papers about diffusion models (score estimation theory, noise correction for
# interpolation, linear attention for diffusion UNets). Smooth Diffusion is Dec 2023
# and the consistency-model paper is Jan 2025, so both are out.
topic("topic-diffusion-2024", "diffusion papers from 2024",
      ["Neural Network-Based Score Estimation in Diffusion Models: Optimization and Generalization",
       "NoiseDiffusion: Correcting Noise for Image Interpolation with Diffusion Models beyond Spherical Linear Interpolation",
       "LinFusion: 1 GPU, 1 Minute, 16K Image"],
      dated(lambda d: d.year == 2024),
      "Three 2024 papers are about diffusion models: the score-estimation analysis (Jan), NoiseDiffusion (Mar) "
      "and LinFusion (Sep).", ["3"], expect=3)

# Kolmogorov-Arnold networks (KANs): four papers in total, two dated 2025.
topic("topic-kan-2025", "any Kolmogorov-Arnold network papers in 2025?",
      ["Kolmogorov-Arnold Attention: Is Learnable Attention Better For Vision Transformers?",
       "Color Matching Using Hypernetwork-Based Kolmogorov-Arnold Networks"],
      dated(lambda d: d.year == 2025),
      "Two KAN papers are from 2025 (both March): Kolmogorov-Arnold Attention for ViTs and cmKAN for colour "
      "matching; the other two KAN papers are from 2024.", ["2"], expect=2)

# In-context learning as the main subject; 'What learning algorithm is in-context
# learning?' (Nov 2022) is excluded by date. LLMs-are-Bayesian is framed around ICL.
topic("topic-icl-since-2023", "in-context learning papers published since 2023",
      ["One Step of Gradient Descent is Provably the Optimal In-Context Learner with One Layer of Linear Self-Attention",
       "Transformers Learn Nonlinear Features In Context: Nonconvex Mean-field Dynamics on the Attention Landscape",
       "Transformers are Minimax Optimal Nonparametric In-Context Learners",
       "LLMs are Bayesian, in Expectation, not in Realization"],
      dated(lambda d: d >= dt.date(2023, 1, 1)),
      "Four papers from 2023 onward study in-context learning: One Step of GD (2023), Transformers Learn "
      "Nonlinear Features In Context (2024), Transformers are Minimax Optimal ICL (2024) and LLMs are "
      "Bayesian (2025).", ["4"], expect=4)

# Randomized smoothing / certified robustness, dated 2023-2025.
topic("topic-certified-robustness-2023-2025",
      "Which certified robustness / randomized smoothing papers came out between 2023 and 2025?",
      ["The Lipschitz-Variance-Margin Tradeoff for Enhanced Randomized Smoothing",
       "Mitigating the Curse of Dimensionality for Certified Robustness via Dual Randomized Smoothing",
       "Robust Representation Consistency Model via Contrastive Denoising"],
      between("2023-01-01", "2025-12-31"),
      "Three: the Lipschitz-variance-margin tradeoff paper (Sep 2023), Dual Randomized Smoothing (Apr 2024) and "
      "the Robust Representation Consistency Model (Jan 2025).", ["3"], expect=3)

# Papers dated 2025 whose subject is (large) language models: CoT reasoning of LLMs,
# linearizing LLMs, LLM quantization, RLHF alignment of LMs, ICL/Bayes in LLMs,
# hallucination in LMs.
topic("topic-llm-2025", "How many LLM papers were published in 2025?",
      ["Metastable Dynamics of Chain-of-Thought Reasoning: Provable Benefits of Search, RL and Distillation",
       "Liger: Linearizing Large Language Models to Gated Recurrent Structures",
       "FireQ: Fast INT4-FP8 Kernel and RoPE-aware Quantization for LLM Inference Acceleration",
       "Alignment as Distribution Learning: Your Preference Model is Explicitly a Language Model",
       "LLMs are Bayesian, in Expectation, not in Realization",
       "Stemming Hallucination in Language Models Using a Licensing Oracle"],
      dated(lambda d: d.year == 2025),
      "Six 2025 papers are about large language models, from Metastable CoT dynamics (Feb) to the Licensing "
      "Oracle against hallucination (Nov).", ["6"], expect=6)

# Graph neural networks, dated 2023 (the subgraph-GNN paper is undated).
topic("topic-gnn-2023", "GNN papers from 2023?",
      ["Towards Robust Fidelity for Evaluating Explainability of Graph Neural Networks",
       "Learning to Reweight for Graph Neural Network"],
      dated(lambda d: d.year == 2023),
      "Two: Towards Robust Fidelity for Evaluating Explainability of GNNs (Oct 2023) and Learning to Reweight "
      "for Graph Neural Network (Dec 2023).", ["2"], expect=2)

# Juno Kim papers on chain-of-thought.
topic("topic-juno-cot", "Has Juno Kim worked on chain-of-thought reasoning?",
      ["Transformers Provably Solve Parity Efficiently with Chain of Thought",
       "Metastable Dynamics of Chain-of-Thought Reasoning: Provable Benefits of Search, RL and Distillation"],
      lambda p: "Juno Kim" in p["authors"],
      "Yes, two papers: Transformers Provably Solve Parity Efficiently with Chain of Thought (2024) and "
      "Metastable Dynamics of Chain-of-Thought Reasoning (2025).", ["2"], expect=2)

# stat.ML papers about transformers (both are in-context-learning theory).
topic("topic-statml-transformers", "stat.ML papers about transformers",
      ["Transformers Learn Nonlinear Features In Context: Nonconvex Mean-field Dynamics on the Attention Landscape",
       "Transformers are Minimax Optimal Nonparametric In-Context Learners"],
      lambda p: p["category"] == "ML",
      "Two stat.ML papers are about transformers, both on in-context learning theory by Juno Kim and Taiji Suzuki.",
      ["2"], expect=2)

# Replacing softmax attention with linear attention / linearizing pretrained models,
# dated 2024 or later (Softmax-free Linear Transformers is 2022, so out).
topic("topic-linear-attention-2024on",
      "Which papers from 2024 onwards swap softmax attention for linear attention?",
      ["LinFusion: 1 GPU, 1 Minute, 16K Image",
       "LoLCATs: On Low-Rank Linearizing of Large Language Models",
       "Liger: Linearizing Large Language Models to Gated Recurrent Structures"],
      dated(lambda d: d >= dt.date(2024, 1, 1)),
      "Three: LinFusion (Sep 2024), LoLCATs (Oct 2024) and Liger (Mar 2025).", ["3"], expect=3)


# ================================================================ write + report
ids = [q["id"] for q in QUESTIONS]
assert len(ids) == len(set(ids)), "duplicate ids"
with open(OUT, "w") as f:
    for q in QUESTIONS:
        f.write(json.dumps(q, ensure_ascii=False) + "\n")

if "-q" not in sys.argv:
    for q in QUESTIONS:
        print(f"{len(q['gold_titles']):3d}  {q['id']:45s} {q['question']}")
        if "-v" in sys.argv:
            for t in q["gold_titles"]:
                print("       -", t[:80], BY_TITLE[t]["published"], BY_TITLE[t]["category"], BY_TITLE[t]["author_count"])
            print("       facts:", q["key_facts"])
print(f"{len(QUESTIONS)} questions -> {OUT}   (newest dated paper {NEWEST}, two-year window from {TWO_YEARS_BEFORE_NEWEST})")
