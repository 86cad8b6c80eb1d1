#!/usr/bin/env python3
"""Gold recomputation for the metadata TUNING batch.

One predicate per question id, written directly over the catalog fields.
Running this file recomputes gold_titles (and, for aggregation questions, the
key_facts figures) and checks them against qa_tuning_metadata.jsonl.
Exit 0 when everything agrees, 1 otherwise.

Conventions (see metadata_predicates_tuning.md):
  * an unknown (null / empty) field never matches, including under negation;
  * ranges are inclusive; "before"/"after" are strict;
  * "last N months/weeks", "past year" count back from the newest `published`;
  * month-of-year uses `published`, else the month in `date_text` (yearless ok);
  * a surname matches the last token of a listed author name;
  * author counts use `author_count` (null never matches).
"""
import datetime as dt
import json
import os
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
CATALOG = os.environ.get("CATALOG", os.path.join(HERE, "..", "catalog.json"))
JSONL = os.path.join(HERE, "qa_tuning_metadata.jsonl")

MONTHS = ["January", "February", "March", "April", "May", "June", "July",
          "August", "September", "October", "November", "December"]
MON3 = {m[:3]: i + 1 for i, m in enumerate(MONTHS)}


def load():
    with open(CATALOG) as f:
        return json.load(f)


# ---------------------------------------------------------------- helpers
def pub(p):
    s = p.get("published")
    return dt.date.fromisoformat(s) if s else None


def year(p):
    d = pub(p)
    return d.year if d else None


def month_of_year(p):
    d = pub(p)
    if d:
        return d.month
    t = p.get("date_text")
    if t:
        return MON3.get(t.strip()[:3])
    return None


def in_range(p, lo, hi):  # inclusive, dates as ISO strings
    d = pub(p)
    return d is not None and dt.date.fromisoformat(lo) <= d <= dt.date.fromisoformat(hi)


def newest(cat):
    return max(pub(p) for p in cat if pub(p))


def months_back(d, n):
    m = d.month - n
    y = d.year
    while m <= 0:
        m += 12
        y -= 1
    return dt.date(y, m, min(d.day, 28 if m == 2 else 30 if m in (4, 6, 9, 11) else 31))


def surnames(p):
    return [a.split()[-1].lower() for a in p.get("authors") or []]


def has_author(p, full):
    return full.lower() in [a.lower() for a in p.get("authors") or []]


def ac(p):
    return p.get("author_count")


def cat_is(p, c):
    return p.get("category") == c


def up(p):
    return p.get("upvotes")


# ------------------------------------------------ topic lists (judged by reading abstracts)
# Diffusion-model papers (title/abstract is about diffusion models). Dated ones of 2024 matter.
TOPIC_DIFFUSION = {
    "Neural Network-Based Score Estimation in Diffusion Models: Optimization and Generalization",
    "NoiseDiffusion: Correcting Noise for Image Interpolation with Diffusion Models beyond Spherical Linear Interpolation",
    "LinFusion: 1 GPU, 1 Minute, 16K Image",
    "Smooth Diffusion: Crafting Smooth Latent Spaces in Diffusion Models",
    "Robust Representation Consistency Model via Contrastive Denoising",
    "Revisiting Diffusion Model Predictions Through Dimensionality",
}
# Borderline: evaluates text-to-image generators via CLIP, never says "diffusion".
TOPIC_DIFFUSION_BORDER = {"Dissecting CLIP: Decomposition with a Schur Complement-based Approach"}

# Papers whose central object is the transformer architecture (theory of transformers).
TOPIC_TRANSFORMERS = {
    "Transformers Learn Nonlinear Features In Context: Nonconvex Mean-field Dynamics on the Attention Landscape",
    "Transformers are Minimax Optimal Nonparametric In-Context Learners",
    "Transformers Provably Solve Parity Efficiently with Chain of Thought",
}
# Borderline: associative memory as a model of factual recall "in transformer-based models";
# chain-of-thought of LLMs (architecture not the object).
TOPIC_TRANSFORMERS_BORDER = {
    "Sharp Capacity Scaling of Spectral Optimizers in Learning Associative Memory",
    "Metastable Dynamics of Chain-of-Thought Reasoning: Provable Benefits of Search, RL and Distillation",
}

# Kolmogorov-Arnold network papers.
TOPIC_KAN = {
    "Kolmogorov-Arnold Networks: A Critical Assessment of Claims, Performance, and Practical Viability",
    "Activation Space Selectable Kolmogorov-Arnold Networks",
    "Kolmogorov-Arnold Attention: Is Learnable Attention Better For Vision Transformers?",
    "Color Matching Using Hypernetwork-Based Kolmogorov-Arnold Networks",
}

# Reinforcement learning or bandits (dated papers).
TOPIC_RL_BANDITS = {
    "Refined Regret for Adversarial MDPs with Linear Function Approximation",
    "Does Sparsity Help in Learning Misspecified Linear Bandits?",
    "When is Realizability Sufficient for Off-Policy Reinforcement Learning?",
    "Coverage Improvement and Fast Convergence of On-policy Preference Learning",  # contextual-bandit analysis
}

# Papers about (large) language models.
TOPIC_LLM = {
    "Alignment as Distribution Learning: Your Preference Model is Explicitly a Language Model",
    "FireQ: Fast INT4-FP8 Kernel and RoPE-aware Quantization for LLM Inference Acceleration",
    "Liger: Linearizing Large Language Models to Gated Recurrent Structures",
    "LLMs are Bayesian, in Expectation, not in Realization",
    "Metastable Dynamics of Chain-of-Thought Reasoning: Provable Benefits of Search, RL and Distillation",
    "Stemming Hallucination in Language Models Using a Licensing Oracle",
    "LoLCATs: On Low-Rank Linearizing of Large Language Models",
    "A Novel Nuanced Conversation Evaluation Framework for Large Language Models in Mental Health",
    "Coverage Improvement and Fast Convergence of On-policy Preference Learning",
    "Transformers Learn Nonlinear Features In Context: Nonconvex Mean-field Dynamics on the Attention Landscape",
    "Transformers are Minimax Optimal Nonparametric In-Context Learners",
}

# Graph neural network papers.
TOPIC_GNN = {
    "Learning to Reweight for Graph Neural Network",
    "Towards Robust Fidelity for Evaluating Explainability of Graph Neural Networks",
    "A Complete Expressiveness Hierarchy for Subgraph GNNs via Subgraph Weisfeiler-Lehman Tests",
}

# In-context learning papers.
TOPIC_ICL = {
    "What learning algorithm is in-context learning? Investigations with linear models",
    "One Step of Gradient Descent is Provably the Optimal In-Context Learner with One Layer of Linear Self-Attention",
    "Transformers Learn Nonlinear Features In Context: Nonconvex Mean-field Dynamics on the Attention Landscape",
    "Transformers are Minimax Optimal Nonparametric In-Context Learners",
    "LLMs are Bayesian, in Expectation, not in Realization",
    "The Closeness of In-Context Learning and Weight Shifting for Softmax Regression",
}

# Computer-vision topic (used with the has_code flag).
TOPIC_CV_WORK = {
    "Computer Vision for Clinical Gait Analysis: A Gait Abnormality Video Dataset",
    "Developing Normative Gait Cycle Parameters for Clinical Analysis Using Human Pose Estimation",
    "OV-MAP : Open-Vocabulary Zero-Shot 3D Instance Segmentation Map for Robots",
}


def T(p, s):
    return p["title"] in s


# ---------------------------------------------------------------- predicates
# Each entry: id -> (predicate(p, cat) -> bool, acceptable(p, cat) -> bool or None)
P = {}


def q(qid, acc=None):
    def deco(f):
        P[qid] = (f, acc)
        return f
    return deco


@q("tune-meta-year-2022")
def _(p, c): return year(p) == 2022


@q("tune-meta-date-2023-09-28")
def _(p, c): return p.get("published") == "2023-09-28"


@q("tune-meta-between-2021-2022")
def _(p, c): return year(p) is not None and 2021 <= year(p) <= 2022


@q("tune-meta-jun2022-to-jan2023")
def _(p, c): return in_range(p, "2022-06-01", "2023-01-31")


@q("tune-meta-q3-2024")
def _(p, c): return in_range(p, "2024-07-01", "2024-09-30")


@q("tune-meta-h1-2025-count")
def _(p, c): return in_range(p, "2025-01-01", "2025-06-30")


# fall 2023 = meteorological autumn Sep 1 - Nov 30; astronomical autumn (to Dec 21) borderline
@q("tune-meta-fall-2023", acc=lambda p, c: in_range(p, "2023-12-01", "2023-12-21"))
def _(p, c): return in_range(p, "2023-09-01", "2023-11-30")


@q("tune-meta-since-june-2025")
def _(p, c): return pub(p) is not None and pub(p) >= dt.date(2025, 6, 1)


@q("tune-meta-after-march-2025-big-teams")
def _(p, c): return pub(p) is not None and pub(p) > dt.date(2025, 3, 31) and ac(p) is not None and ac(p) > 4


@q("tune-meta-last-3-months")
def _(p, c):
    n = newest(c)
    return pub(p) is not None and months_back(n, 3) <= pub(p) <= n


@q("tune-meta-last-6-weeks")
def _(p, c):
    n = newest(c)
    return pub(p) is not None and n - dt.timedelta(weeks=6) <= pub(p) <= n


@q("tune-meta-past-year-count")
def _(p, c):
    n = newest(c)
    return pub(p) is not None and months_back(n, 12) <= pub(p) <= n


@q("tune-meta-march-any-year")
def _(p, c): return month_of_year(p) == 3


@q("tune-meta-january-count")
def _(p, c): return month_of_year(p) == 1


@q("tune-meta-author-suzuki-typo")
def _(p, c): return has_author(p, "Taiji Suzuki")


@q("tune-meta-surname-nichani")
def _(p, c): return "nichani" in surnames(p)


@q("tune-meta-jihun-y")
def _(p, c): return any(a.lower().startswith("jihun y") for a in p.get("authors") or [])


# exact initials J. D. Lee -> "Jason D. Lee"; "Jason Lee" (no middle initial) borderline
@q("tune-meta-initials-jd-lee", acc=lambda p, c: has_author(p, "Jason Lee"))
def _(p, c): return has_author(p, "Jason D. Lee")


@q("tune-meta-accent-ahmedt-aristizabal")
def _(p, c): return has_author(p, "David Ahmedt-Aristizabal")


@q("tune-meta-six-plus-authors")
def _(p, c): return ac(p) is not None and ac(p) >= 6


@q("tune-meta-single-author-count")
def _(p, c): return ac(p) == 1


@q("tune-meta-dozen-authors")
def _(p, c): return ac(p) is not None and ac(p) >= 12


@q("tune-meta-avg-authors")
def _(p, c): return False  # aggregation: gold [], figures in key_facts


@q("tune-meta-cs-cv")
def _(p, c): return cat_is(p, "CV")


# "machine learning category": cs.LG; stat.ML (also titled Machine Learning) borderline
@q("tune-meta-machine-learning-category", acc=lambda p, c: cat_is(p, "ML"))
def _(p, c): return cat_is(p, "LG")


@q("tune-meta-statistics-category")
def _(p, c): return cat_is(p, "ML")


@q("tune-meta-language-category")
def _(p, c): return cat_is(p, "CL")


@q("tune-meta-category-table")
def _(p, c): return False


@q("tune-meta-most-upvoted")
def _(p, c):
    m = max(up(x) for x in c if up(x) is not None)
    return up(p) == m


@q("tune-meta-two-plus-upvotes")
def _(p, c): return up(p) is not None and up(p) >= 2


@q("tune-meta-zero-upvotes")
def _(p, c): return up(p) == 0


@q("tune-meta-newest")
def _(p, c): return pub(p) is not None and pub(p) == newest(c)


@q("tune-meta-oldest")
def _(p, c):
    o = min(pub(x) for x in c if pub(x))
    return pub(p) == o


@q("tune-meta-three-latest")
def _(p, c):
    ds = sorted((pub(x) for x in c if pub(x)), reverse=True)
    return pub(p) is not None and pub(p) >= ds[2]


@q("tune-meta-per-year")
def _(p, c): return False


@q("tune-meta-per-month-2023")
def _(p, c): return False


@q("tune-meta-top-authors")
def _(p, c): return False


# negation: known category other than LG; unknown category is borderline
@q("tune-meta-not-lg-2024", acc=lambda p, c: year(p) == 2024 and p.get("category") is None)
def _(p, c): return year(p) == 2024 and p.get("category") is not None and p["category"] != "LG"


@q("tune-meta-juno-kim-not-stat")
def _(p, c): return has_author(p, "Juno Kim") and p.get("category") is not None and p["category"] != "ML"


# ---- topic + metadata
@q("tune-meta-topic-diffusion-2024", acc=lambda p, c: year(p) == 2024 and T(p, TOPIC_DIFFUSION_BORDER))
def _(p, c): return year(p) == 2024 and T(p, TOPIC_DIFFUSION)


@q("tune-meta-topic-juno-kim-transformers",
   acc=lambda p, c: has_author(p, "Juno Kim") and T(p, TOPIC_TRANSFORMERS_BORDER))
def _(p, c): return has_author(p, "Juno Kim") and T(p, TOPIC_TRANSFORMERS)


@q("tune-meta-topic-cv-with-code")
def _(p, c): return p.get("has_code") is True and (cat_is(p, "CV") or T(p, TOPIC_CV_WORK))


@q("tune-meta-topic-kan-2025")
def _(p, c): return year(p) == 2025 and T(p, TOPIC_KAN)


@q("tune-meta-topic-rl-bandits-2023")
def _(p, c): return year(p) == 2023 and T(p, TOPIC_RL_BANDITS)


@q("tune-meta-topic-upvoted-llm")
def _(p, c): return up(p) is not None and up(p) > 0 and T(p, TOPIC_LLM)


@q("tune-meta-topic-gnn-big-team")
def _(p, c): return ac(p) is not None and ac(p) > 8 and T(p, TOPIC_GNN)


@q("tune-meta-topic-icl-before-2024")
def _(p, c): return pub(p) is not None and pub(p) < dt.date(2024, 1, 1) and T(p, TOPIC_ICL)


@q("tune-meta-topic-llm-2025")
def _(p, c): return year(p) == 2025 and T(p, TOPIC_LLM)


# ---------------------------------------------------------------- key facts that are figures
def figures(qid, c):
    """Return the list of key_facts that must appear (computed), or None if not computed."""
    if qid == "tune-meta-per-year":
        cnt = Counter(year(p) for p in c if year(p))
        return [f"{y}: {n}" for y, n in sorted(cnt.items())]
    if qid == "tune-meta-per-month-2023":
        cnt = Counter(pub(p).month for p in c if year(p) == 2023)
        return [f"{MONTHS[m - 1]}: {n}" for m, n in sorted(cnt.items())]
    if qid == "tune-meta-category-table":
        cnt = Counter(p["category"] for p in c if p.get("category"))
        return [f"{k}: {n}" for k, n in cnt.most_common()]
    if qid == "tune-meta-top-authors":
        cnt = Counter(a for p in c for a in p.get("authors") or [])
        (a1, n1), (a2, n2) = cnt.most_common(2)
        assert cnt.most_common(3)[2][1] < n2, "tie for second author"
        return [a1, str(n1), a2, str(n2)]
    if qid == "tune-meta-avg-authors":
        xs = [ac(p) for p in c if ac(p) is not None]
        return [f"{sum(xs) / len(xs):.1f}", str(len(xs))]
    return None


COUNT_QIDS = {  # questions whose key_facts must contain the size of the gold set
    "tune-meta-h1-2025-count", "tune-meta-past-year-count", "tune-meta-january-count",
    "tune-meta-single-author-count",
}


def main():
    c = load()
    titles = [p["title"] for p in c]
    assert len(set(titles)) == len(titles), "duplicate titles"
    rows = [json.loads(l) for l in open(JSONL) if l.strip()]
    ok = True
    seen = set()
    for r in rows:
        qid = r["id"]
        if set(r) != {"id", "type", "question", "gold_titles", "acceptable_titles",
                      "reference_answer", "key_facts"}:
            print("BAD KEYS", qid); ok = False
        if r["type"] != "metadata":
            print("BAD TYPE", qid); ok = False
        if qid in seen:
            print("DUP ID", qid); ok = False
        seen.add(qid)
        if qid not in P:
            print("NO PREDICATE", qid); ok = False
            continue
        f, acc = P[qid]
        gold = sorted(p["title"] for p in c if f(p, c))
        accs = sorted(p["title"] for p in c if acc and acc(p, c) and not f(p, c))
        if sorted(r["gold_titles"]) != gold:
            print("GOLD MISMATCH", qid, "\n  jsonl:", sorted(r["gold_titles"]), "\n  pred: ", gold); ok = False
        if sorted(r["acceptable_titles"]) != accs:
            print("ACCEPTABLE MISMATCH", qid, "\n  jsonl:", sorted(r["acceptable_titles"]), "\n  pred: ", accs); ok = False
        for t in r["gold_titles"] + r["acceptable_titles"]:
            if t not in titles:
                print("UNKNOWN TITLE", qid, t); ok = False
        fig = figures(qid, c)
        if fig is not None and fig != r["key_facts"]:
            print("KEY FACTS MISMATCH", qid, r["key_facts"], fig); ok = False
        if qid in COUNT_QIDS and str(len(gold)) not in r["key_facts"]:
            print("COUNT MISSING", qid, len(gold), r["key_facts"]); ok = False
    missing = set(P) - seen
    if missing:
        print("PREDICATES WITHOUT QUESTION", sorted(missing)); ok = False
    print(f"{len(rows)} questions checked:", "OK" if ok else "MISMATCHES")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
