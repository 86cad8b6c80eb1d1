#!/usr/bin/env python3
"""Writes qa_blind_r4_metadata.jsonl from hand-written questions and hand-copied gold
(title prefixes resolved against the catalog).  metadata_gold_blind_r4.py checks it."""
import json, re
CAT = json.load(open('/tmp/blindwork/catalog.json'))
def R(*prefixes):
    out = []
    for pre in prefixes:
        m = [p['title'] for p in CAT if p['title'].startswith(pre)]
        assert len(m) == 1, (pre, m)
        out.append(m[0])
    return out
_CODE_RE = re.compile(r'github|\b(code|codes|codebase|implementation)\b[^.]{0,80}\b(available|released|release|accessible)\b|\bcode( link)?:')
CODE_ACC = [p['title'] for p in CAT if not p['has_code'] and _CODE_RE.search(p['abstract'].lower()) and not p['title'].startswith('Mega-TTS 2')]

Q = []
def q(slug, question, gold, ref, kf=(), acc=()):
    Q.append({"id": "blind-r4-meta-" + slug, "type": "metadata", "question": question,
              "gold_titles": list(gold), "acceptable_titles": list(acc),
              "reference_answer": ref, "key_facts": list(kf)})

q("year-2022", "which papers are from 2022?",
  R("A Deep Conjugate Direction", "Disentangled Representation Learning for RF", "Faster Rates of Convergence to Stationary",
    "OReX:", "SePiCo:", "Softmax-free Linear", "What learning algorithm is in-context", "When is Realizability"),
  "Eight papers have a 2022 publication date, from SePiCo (Apr 19, 2022) to the in-context-learning-with-linear-models paper (Nov 28, 2022); they include Softmax-free Linear Transformers, OReX and the off-policy RL realizability paper.")
q("single-date", "Was anything published on September 28, 2023?",
  R("Implicit Gaussian process representation", "The Lipschitz-Variance-Margin Tradeoff"),
  "Yes, two papers are dated Sep 28, 2023: the implicit Gaussian-process representation of vector fields over latent manifolds, and the Lipschitz-variance-margin tradeoff for randomized smoothing.")
q("mar-jun-2023", "Show me papers published between March and June 2023.",
  R("Equiangular Basis Vectors", "Does Sparsity Help in Learning Misspecified", "Constrained Optimization via Exact Augmented"),
  "Three papers fall between March 1 and June 30, 2023: Equiangular Basis Vectors (Mar 21), Does Sparsity Help in Learning Misspecified Linear Bandits? (Mar 29) and Constrained Optimization via Exact Augmented Lagrangian and Randomized Iterative Sketching (May 28).")
q("q3-2024", "papers from Q3 2024",
  R("Computer Vision for Clinical Gait Analysis", "Kolmogorov-Arnold Networks: A Critical", "Activation Space Selectable",
    "Transformers are Minimax Optimal", "LinFusion:"),
  "Five papers are dated July-September 2024: the gait abnormality video dataset (Jul 5), the critical assessment of KANs (Jul 13), Activation Space Selectable KANs (Aug 15), Transformers are Minimax Optimal Nonparametric In-Context Learners (Aug 22) and LinFusion (Sep 3).")
q("h2-2025", "What got published in the second half of 2025?",
  R("LLMs are Bayesian", "ROVR-Open-Dataset", "Kernelized Sparse Fine-Tuning", "An Analysis of Causal Effect Estimation",
    "Sparse Linear Regression is Easy", "Stemming Hallucination"),
  "Six papers are dated July-December 2025: LLMs are Bayesian, in Expectation (Jul 15), ROVR-Open-Dataset (Aug 19), Kernelized Sparse Fine-Tuning (Oct 27), the causal-effect/data-augmentation analysis (Oct 28), and two papers on Nov 8: Sparse Linear Regression is Easy on Random Supports and Stemming Hallucination with a Licensing Oracle.")
q("summer-2023", "anythign from summer 2023?",
  R("One Step of Gradient Descent", "Monotone deep Boltzmann", "Tuning Pre-trained Model via Moment", "Focus the Discrepancy"),
  "Taking summer as June-August 2023, four papers match: One Step of Gradient Descent is Provably the Optimal In-Context Learner (Jul 7), Monotone deep Boltzmann machines (Jul 10), Tuning Pre-trained Model via Moment Probing (Jul 21) and Focus the Discrepancy (Aug 5).")
q("before-2021", "Are there any papers older than 2021 in here?",
  R("A Tour of Convolutional Networks", "SINet:"),
  "Yes, two papers are dated before 2021, both from 2019: A Tour of Convolutional Networks Guided by Linear Interpreters (Aug 14, 2019) and SINet, the lightweight portrait segmentation network (Nov 20, 2019).")
q("last-6-months", "What came out in the last 6 months of the collection?",
  R("Generative Distribution Embeddings", "FireQ:", "Alignment as Distribution Learning", "OV-MAP", "Gradient-Normalized Smoothness",
    "LLMs are Bayesian", "ROVR-Open-Dataset", "Kernelized Sparse Fine-Tuning", "An Analysis of Causal Effect Estimation",
    "Sparse Linear Regression is Easy", "Stemming Hallucination"),
  "The newest paper is dated Nov 8, 2025, so the window is May 8 - Nov 8, 2025; it holds 11 papers, from Generative Distribution Embeddings (May 23) and FireQ (May 27) through OV-MAP and Gradient-Normalized Smoothness (June) up to the two Nov 8 papers. Mirror Mean-Field Langevin Dynamics (May 5) falls just outside.")
q("january", "Which papers were released in January, whatever the year?",
  R("State and parameter learning with PaRIS", "Refined Regret for Adversarial MDPs", "Bilevel Optimization under Unbounded",
    "Neural Network-Based Score Estimation", "Optimality and Adaptivity of Deep Neural Features", "Robust Representation Consistency",
    "Coverage Improvement and Fast Convergence", "Revisiting Diffusion Model Predictions"),
  "Eight papers are dated in January: two from 2023 (PaRIS particle Gibbs, Refined Regret for Adversarial MDPs), two from 2024 (bilevel optimization under unbounded smoothness, neural score estimation in diffusion models), two from 2025 (deep-feature IV regression, Robust Representation Consistency Model), plus two dated Jan 13 and Jan 29 with no year given (the on-policy preference learning coverage paper and Revisiting Diffusion Model Predictions Through Dimensionality).")
q("per-year-table", "can you give me a table of how many papers were published each year?",
  [],
  "Of the 77 papers with a full publication date: 2019: 2, 2021: 3, 2022: 8, 2023: 23, 2024: 18, 2025: 23 (no dated papers from 2020). The remaining papers have no year (four only show a month and day).",
  kf=["2019: 2", "2021: 3", "2022: 8", "2023: 23", "2024: 18", "2025: 23"])
q("taiji-suzuki", "What has Taiji Suzuki written?",
  R("Transformers Learn Nonlinear Features", "Transformers Provably Solve Parity", "Transformers are Minimax Optimal"),
  "Taiji Suzuki is listed on three papers, all with Juno Kim and all on the theory of transformers: Transformers Learn Nonlinear Features In Context (2024), Transformers are Minimax Optimal Nonparametric In-Context Learners (2024) and Transformers Provably Solve Parity Efficiently with Chain of Thought (2024).")
q("surname-gretton", "anything by Gretton?",
  R("Optimality and Adaptivity of Deep Neural Features"),
  "Arthur Gretton appears on one paper: Optimality and Adaptivity of Deep Neural Features for Instrumental Variable Regression (Jan 2025), with Juno Kim and Dimitri Meunier.")
q("initials-jlee", "Papers by J. Lee?",
  R("Coverage Improvement and Fast Convergence", "Metastable Dynamics of Chain-of-Thought"),
  "Two papers list a J. Lee: Coverage Improvement and Fast Convergence of On-policy Preference Learning (as Jason D. Lee) and Metastable Dynamics of Chain-of-Thought Reasoning (as Jason Lee), both co-authored with Juno Kim.")
q("accent-ahmedt", "Which papers is David Ahmedt-Aristizábal an author on?",
  R("Computer Vision for Clinical Gait Analysis", "Developing Normative Gait Cycle Parameters"),
  "David Ahmedt-Aristizabal (listed without the accent) co-authors two clinical gait-analysis papers with Rahm Ranjan and Mohammad Ali Armin: the Gait Abnormality Video Dataset (Jul 2024) and Developing Normative Gait Cycle Parameters Using Human Pose Estimation (Nov 2024).")
q("top-authors", "who shows up most often as an author in this collection?",
  [],
  "Juno Kim, by far, with 13 papers, then Taiji Suzuki with 3; several others (e.g. Jihun Yun, Denny Wu, Eshaan Nichani, Rahm Ranjan) appear twice. Only 16 papers list authors at all.",
  kf=["Juno Kim", "13", "Taiji Suzuki", "3"])
q("solo", "How many papers were written by a single author?",
  R("Hessian Based Smoothing Splines", "Predicting the Popularity of Reddit", "When is Realizability"),
  "Three papers have exactly one author: Hessian Based Smoothing Splines for Manifold Learning and Predicting the Popularity of Reddit Posts with AI (both by Juno Kim), and When is Realizability Sufficient for Off-Policy Reinforcement Learning? (author name not given).",
  kf=["3"])
q("dozen-authors", "any papers with a dozen or more authors?",
  R("ROVR-Open-Dataset"),
  "Only one: ROVR-Open-Dataset: A Large-Scale Depth Dataset for Autonomous Driving, which has 14 authors; no other paper has more than 9.",
  kf=["14"])
q("avg-authors", "On average how many authors does a paper have here?",
  [],
  "Across the 71 papers whose author count is known, the mean is about 4.5 authors per paper (322 authors in total); counts range from 1 to 14.",
  kf=["4.5", "71"])
q("cat-statistics", "Which papers are filed under statistics (stat.ML)?",
  R("Hessian Based Smoothing Splines", "Optimality and Adaptivity of Deep Neural Features", "Sharp Capacity Thresholds in Linear",
    "Transformers Learn Nonlinear Features", "Transformers are Minimax Optimal"),
  "Five papers have the stat.ML category: Hessian Based Smoothing Splines for Manifold Learning, Optimality and Adaptivity of Deep Neural Features for IV Regression, Sharp Capacity Thresholds in Linear Associative Memory, Transformers Learn Nonlinear Features In Context, and Transformers are Minimax Optimal Nonparametric In-Context Learners.")
q("cat-compling", "list the computation and language papers",
  R("A Novel Nuanced Conversation Evaluation"),
  "Only one paper is categorised as cs.CL (Computation and Language): A Novel Nuanced Conversation Evaluation Framework for Large Language Models in Mental Health (Mar 2024).")
q("cat-table", "Break the papers down by arXiv category - which category is biggest?",
  [],
  "Only 16 papers carry a category: cs.LG 6, stat.ML 5, cs.CV 3, cs.CL 1, cs.AI 1, so cs.LG (machine learning) is the largest.",
  kf=["LG: 6", "ML: 5", "CV: 3", "CL: 1", "AI: 1"])
q("most-upvoted", "whats the most upvoted paper?",
  R("LinFusion:"),
  "LinFusion: 1 GPU, 1 Minute, 16K Image has the most upvotes, 4; the next is Kolmogorov-Arnold Attention with 3.",
  kf=["4"])
q("upvotes-2plus", "How many papers have at least 2 upvotes, and which ones?",
  R("Kolmogorov-Arnold Attention", "Liger:", "LinFusion:", "NeuRBF:", "Revisiting Diffusion Model Predictions", "Stemming Hallucination"),
  "Six papers have 2 or more upvotes: LinFusion (4), Kolmogorov-Arnold Attention (3), and Liger, NeuRBF, Revisiting Diffusion Model Predictions Through Dimensionality and Stemming Hallucination (2 each).",
  kf=["6"])
q("has-code", "Which papers are marked as having code available?",
  R("Computer Vision for Clinical Gait Analysis"),
  "Only one paper is flagged as having code: Computer Vision for Clinical Gait Analysis: A Gait Abnormality Video Dataset (its GitHub repository is given). Many other abstracts mention a code link themselves, but they are not marked as having code in the metadata.",
  acc=CODE_ACC)
q("newest", "what's the most recent paper in the collection?",
  R("Sparse Linear Regression is Easy", "Stemming Hallucination"),
  "Two papers share the newest date, Nov 8, 2025: Sparse Linear Regression is Easy on Random Supports, and Stemming Hallucination in Language Models Using a Licensing Oracle. (A few papers show only a month and day, so their year is unknown.)")
# ---- metadata + topic ----
q("topic-diffusion-2024", "2024 papers about diffusion models",
  R("Neural Network-Based Score Estimation", "NoiseDiffusion:", "LinFusion:"),
  "Three 2024 papers are about diffusion models: Neural Network-Based Score Estimation in Diffusion Models (Jan 28), NoiseDiffusion for image interpolation (Mar 13) and LinFusion, linear attention for high-resolution diffusion generation (Sep 3). Dissecting CLIP (Dec 2024) evaluates text-to-image generators more broadly.",
  acc=R("Dissecting CLIP:"))
q("topic-junokim-transformers", "which of Juno Kim's papers are about transformers?",
  R("Transformers Learn Nonlinear Features", "Transformers are Minimax Optimal", "Transformers Provably Solve Parity"),
  "Three of Juno Kim's papers study transformers directly, all with Taiji Suzuki: Transformers Learn Nonlinear Features In Context, Transformers are Minimax Optimal Nonparametric In-Context Learners, and Transformers Provably Solve Parity Efficiently with Chain of Thought. Related but less direct are the associative-memory paper on spectral optimizers (a model of factual recall in transformers) and the chain-of-thought metastable dynamics paper.",
  acc=R("Sharp Capacity Scaling of Spectral", "Metastable Dynamics of Chain-of-Thought"))
q("topic-kan-2025", "Kolmogorov-Arnold network papers from 2025?",
  R("Kolmogorov-Arnold Attention", "Color Matching Using Hypernetwork-Based"),
  "Two KAN papers are from 2025: Kolmogorov-Arnold Attention: Is Learnable Attention Better For Vision Transformers? (Mar 13) and Color Matching Using Hypernetwork-Based Kolmogorov-Arnold Networks (Mar 14). The other two KAN papers are from 2024.")
q("topic-upvoted-llm", "Out of the papers that got upvotes, which ones deal with large language models?",
  R("Liger:", "Stemming Hallucination"),
  "Of the seven upvoted papers, two are about language models: Liger, which linearizes LLMs into gated recurrent structures (2 upvotes), and Stemming Hallucination in Language Models Using a Licensing Oracle (2 upvotes).")
q("topic-smoothing-since-2024", "randomized smoothing / certified robustness work since 2024",
  R("Mitigating the Curse of Dimensionality", "Robust Representation Consistency"),
  "Two papers from 2024 on: Mitigating the Curse of Dimensionality for Certified Robustness via Dual Randomized Smoothing (Apr 2024) and Robust Representation Consistency Model via Contrastive Denoising (Jan 2025). The Lipschitz-Variance-Margin tradeoff paper is from Sep 2023, so it is too early.")
q("topic-efficient-attention-2022-2024", "papers between 2022 and 2024 that make attention cheaper than quadratic (linear attention etc)",
  R("Softmax-free Linear Transformers", "Faster Neighborhood Attention", "LinFusion:", "LoLCATs:"),
  "Four: Softmax-free Linear Transformers (Jul 2022), Faster Neighborhood Attention (Mar 2024), LinFusion (Sep 2024) and LoLCATs, which linearizes LLM attention (Oct 2024). Liger does something similar but is from 2025.")
q("topic-llm-8plus-authors", "LLM papers with 8 or more authors",
  R("FireQ:", "LoLCATs:"),
  "Two large-language-model papers have at least 8 authors (8 each): FireQ, an INT4-FP8 kernel and quantization method for LLM inference, and LoLCATs, on low-rank linearizing of LLMs.")

assert len(Q) == 32, len(Q)
with open('/tmp/blindwork/r4meta/qa_blind_r4_metadata.jsonl', 'w') as f:
    for r in Q:
        f.write(json.dumps(r, ensure_ascii=False) + '\n')
print('wrote', len(Q))
