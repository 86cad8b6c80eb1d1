#!/usr/bin/env python3
"""Blind r2 metadata eval set. Source: /tmp/blindwork/catalog.json only.
Each question has its own predicate / aggregation. Papers whose relevant field
is unknown (None / empty) are excluded from gold for that field."""
import json, collections, datetime as dt, os

HERE = os.path.dirname(os.path.abspath(__file__))
CAT = json.load(open('/tmp/blindwork/catalog.json'))
TITLES = {p['title'] for p in CAT}
assert len(TITLES) == len(CAT)

def D(p):
    return dt.date.fromisoformat(p['published']) if p['published'] else None

def dated():
    return [p for p in CAT if p['published']]

def between(p, a, b):           # inclusive both ends; unknown date -> False
    d = D(p)
    return d is not None and a <= d <= b

def sel(pred):
    return [p for p in CAT if pred(p)]

def titles(ps):
    return sorted(p['title'] for p in ps)

NEWEST = max(D(p) for p in dated())
OLDEST = min(D(p) for p in dated())
MONTHS = ['January','February','March','April','May','June','July','August',
          'September','October','November','December']

# ---------------- topic lists (explicit, chosen by reading abstracts) ----------
TOPIC = {
  # KAN: title/abstract is about Kolmogorov-Arnold Networks (KANs)
  'kan': ["Activation Space Selectable Kolmogorov-Arnold Networks",
          "Color Matching Using Hypernetwork-Based Kolmogorov-Arnold Networks",
          "Kolmogorov-Arnold Attention: Is Learnable Attention Better For Vision Transformers?",
          "Kolmogorov-Arnold Networks: A Critical Assessment of Claims, Performance, and Practical Viability"],
  # ICL: main subject is in-context learning of transformers/LLMs (Mega-TTS/SPIQA only mention it in passing)
  'icl': ["What learning algorithm is in-context learning? Investigations with linear models",
          "One Step of Gradient Descent is Provably the Optimal In-Context Learner with One Layer of Linear Self-Attention",
          "The Closeness of In-Context Learning and Weight Shifting for Softmax Regression",
          "Transformers Learn Nonlinear Features In Context: Nonconvex Mean-field Dynamics on the Attention Landscape",
          "Transformers are Minimax Optimal Nonparametric In-Context Learners",
          "LLMs are Bayesian, in Expectation, not in Realization"],
  # diffusion: proposes/analyses/uses diffusion (or score-based) generative models as the core object
  # (Mirror MFLD only has a "diffusion term"; Dissecting CLIP evaluates T2I models without diffusion focus)
  'diffusion': ["Closing the ODE-SDE gap in score-based diffusion models through the Fokker-Planck equation",
          "DAE-Talker: High Fidelity Speech-Driven Talking Face Generation with Diffusion Autoencoder",
          "InvDiff: Invariant Guidance for Bias Mitigation in Diffusion Models",
          "LinFusion: 1 GPU, 1 Minute, 16K Image",
          "Neural Network-Based Score Estimation in Diffusion Models: Optimization and Generalization",
          "NoiseDiffusion: Correcting Noise for Image Interpolation with Diffusion Models beyond Spherical Linear Interpolation",
          "PrefPaint: Aligning Image Inpainting Diffusion Model with Human Preference",
          "Revisiting Diffusion Model Predictions Through Dimensionality",
          "Robust Representation Consistency Model via Contrastive Denoising",
          "Smooth Diffusion: Crafting Smooth Latent Spaces in Diffusion Models",
          "Your Absorbing Discrete Diffusion Secretly Models the Conditional Distributions of Clean Data"],
  # CoT: chain-of-thought reasoning is the subject
  'cot': ["Transformers Provably Solve Parity Efficiently with Chain of Thought",
          "Metastable Dynamics of Chain-of-Thought Reasoning: Provable Benefits of Search, RL and Distillation",
          "Unlocking the Capabilities of Thought: A Reasoning Boundary Framework to Quantify and Optimize Chain-of-Thought",
          "Learn to Explain: Multimodal Reasoning via Thought Chains for Science Question Answering"],
  # linear attention: replaces softmax attention by linear/linear-recurrent attention or linearizes pretrained transformers
  'linattn': ["Softmax-free Linear Transformers",
          "LoLCATs: On Low-Rank Linearizing of Large Language Models",
          "Liger: Linearizing Large Language Models to Gated Recurrent Structures",
          "LinFusion: 1 GPU, 1 Minute, 16K Image"],
  # GNN: graph neural networks are the subject
  'gnn': ["A Complete Expressiveness Hierarchy for Subgraph GNNs via Subgraph Weisfeiler-Lehman Tests",
          "Learning to Reweight for Graph Neural Network",
          "Towards Robust Fidelity for Evaluating Explainability of Graph Neural Networks"],
  # RL/bandits: reinforcement learning, MDPs or bandit problems are the subject (the dated ones; undated ones irrelevant here)
  'rl': ["When is Realizability Sufficient for Off-Policy Reinforcement Learning?",
          "Refined Regret for Adversarial MDPs with Linear Function Approximation",
          "Does Sparsity Help in Learning Misspecified Linear Bandits?",
          "Horizon-Free and Variance-Dependent Reinforcement Learning for Latent Markov Decision Processes",
          "Lower Bounds for Learning in Revealing POMDPs",
          "Dynamical Linear Bandits",
          "Tight Regret Bounds for Single-pass Streaming Multi-armed Bandits",
          "Weighted Tallying Bandits: Overcoming Intractability via Repeated Exposure Optimality",
          "Robust Offline Reinforcement Learning with Linearly Structured $f$-Divergence Regularization",
          "Train Once, Get a Family: State-Adaptive Balances for Offline-to-Online Reinforcement Learning",
          "Contrastive UCB: Provably Efficient Contrastive Self-Supervised Learning in Online Reinforcement Learning",
          "Provable General Function Class Representation Learning in Multitask Bandits and MDPs"],
  # segmentation: the paper's method/dataset targets image/3D segmentation (SNELLA only evaluates on it)
  'seg': ["SINet: Extreme Lightweight Portrait Segmentation Networks with Spatial Squeeze Modules and Information Blocking Decoder",
          "SePiCo: Semantic-Guided Pixel Contrast for Domain Adaptive Semantic Segmentation",
          "Segmentation with Noisy Labels via Spatially Correlated Distributions",
          "OV-MAP : Open-Vocabulary Zero-Shot 3D Instance Segmentation Map for Robots",
          "FairSeg: A Large-Scale Medical Image Segmentation Dataset for Fairness Learning Using Segment Anything Model with Fair Error-Bound Scaling"],
}
for k, v in TOPIC.items():
    for t in v:
        assert t in TITLES, (k, t)
def topic(k):
    s = set(TOPIC[k]); return lambda p: p['title'] in s

def has_author(name):
    return lambda p: name in p['authors']

Q = []
def add(qid, question, gold_ps, reference, key_facts):
    g = titles(gold_ps) if gold_ps and isinstance(gold_ps[0], dict) else sorted(gold_ps)
    assert g, qid
    for t in g: assert t in TITLES, (qid, t)
    Q.append({"id": "blind-r2-meta-" + qid, "type": "metadata", "question": question,
              "gold_titles": g, "acceptable_titles": [], "reference_answer": reference,
              "key_facts": key_facts})

def lst(ps, with_date=True):
    ps = sorted(ps, key=lambda p: (p['published'] or '', p['title']))
    return '; '.join(f"{p['title']} ({p['published']})" if with_date and p['published'] else p['title'] for p in ps)

# ---------------- pure metadata ------------------------------------------------
g = sel(lambda p: between(p, dt.date(2024,6,1), dt.date(2024,8,31)))
add('summer-2024', "what came out in the summer of 2024?", g,
    f"Summer 2024 (June 1 - Aug 31, 2024) has {len(g)} dated papers: {lst(g)}.", [str(len(g))])

g = sel(lambda p: between(p, dt.date(2025,1,1), dt.date(2025,4,30)))
add('jan-apr-2025', "Can you list the papers published between January and April 2025?", g,
    f"{len(g)} papers were published from Jan 1 to Apr 30, 2025: {lst(g)}.", [str(len(g))])

g = sel(lambda p: between(p, dt.date(2023,1,1), dt.date(2023,12,31)))
add('during-2023', "how many papers were published during 2023", g,
    f"{len(g)} papers have a 2023 publication date: {lst(g)}.", [str(len(g))])

g = sel(lambda p: between(p, dt.date(1900,1,1), dt.date(2021,12,31)))
add('no-later-2021', "papers publshed no later than 2021?", g,
    f"{len(g)} papers date from 2021 or earlier: {lst(g)}.", [str(len(g))])

start = NEWEST.replace(year=NEWEST.year - 1)
g = sel(lambda p: D(p) is not None and start < D(p) <= NEWEST)
add('past-12-months', "how many papers are from the past 12 months, and which ones?", g,
    f"Counting back 12 months from the newest paper ({NEWEST}), i.e. after {start}, there are {len(g)} papers: {lst(g)}.",
    [str(len(g))])

g = sel(lambda p: between(p, dt.date(2024,7,1), dt.date(2024,12,31)))
add('h2-2024', "H2 2024 papers pls", g,
    f"The second half of 2024 (Jul 1 - Dec 31) has {len(g)} papers: {lst(g)}.", [str(len(g))])

g = sel(lambda p: between(p, dt.date(2024,4,1), dt.date(2024,9,30)))
add('mid-2024', "anything from around mid-2024?", g,
    f"Taking mid-2024 as April-September 2024, there are {len(g)} papers: {lst(g)}. (None fall in May or June 2024.)",
    [str(len(g))])

old = sel(lambda p: D(p) == OLDEST); new = sel(lambda p: D(p) == NEWEST)
add('oldest-newest', "whats the oldest paper in the collection, and whats the newest?", old + new,
    f"Oldest: {lst(old)}. Newest ({NEWEST}, a tie): {lst(new)}.", ["2019", "2025"])

cnt = collections.Counter(D(p).year for p in dated())
kf = [f"{y}: {n}" for y, n in sorted(cnt.items())]
add('per-year', "could you break down the number of papers by publication year?", dated(),
    f"Of {len(dated())} papers with a full date: " + ', '.join(kf) + f". The other {len(CAT)-len(dated())} have no (full) date.",
    kf)

y25 = sel(lambda p: between(p, dt.date(2025,1,1), dt.date(2025,12,31)))
cnt = collections.Counter(D(p).month for p in y25)
kf = [f"{MONTHS[m-1]}: {n}" for m, n in sorted(cnt.items())]
zero = [MONTHS[m-1] for m in range(1, 13) if m not in cnt]
add('per-month-2025', "how many papers per month in 2025?", y25,
    f"{len(y25)} papers in 2025: " + ', '.join(kf) + f"; none in {', '.join(zero)}.", kf)

catp = sel(lambda p: p['category'])
cnt = collections.Counter(p['category'] for p in catp)
kf = [f"{c}: {n}" for c, n in cnt.most_common()]
add('per-category', "number of papers in each arxiv category?", catp,
    f"Only {len(catp)} papers have a category: cs.LG: {cnt['LG']}, stat.ML: {cnt['ML']}, cs.CV: {cnt['CV']}, cs.CL: {cnt['CL']}, cs.AI: {cnt['AI']}.",
    kf)

acnt = collections.Counter(a for p in CAT for a in p['authors'])
(top, ntop), (sec, nsec) = acnt.most_common(2)
assert (top, ntop, sec, nsec) == ('Juno Kim', 13, 'Taiji Suzuki', 3)
g = sel(lambda p: top in p['authors'] or sec in p['authors'])
add('top-authors', "who are the most frequent authors in here?", g,
    f"Author lists exist for only 16 papers. {top} appears on {ntop} papers, far ahead of {sec} ({nsec}, all co-authored with {top}); several others appear twice.",
    [top, str(ntop), sec, str(nsec)])

g = sel(lambda p: p['upvotes'] is not None and p['upvotes'] >= 2)
add('upvotes-2plus', "which papers got two or more upvotes?", g,
    f"{len(g)} papers have at least 2 upvotes: " + '; '.join(f"{p['title']} ({p['upvotes']})" for p in sorted(g, key=lambda p: -p['upvotes'])) + ".",
    [str(len(g))])

g = sel(lambda p: p['author_count'] is not None and p['author_count'] >= 10)
add('ten-plus-authors', "any papers with at least ten authors?", g,
    f"Only {len(g)}: " + '; '.join(f"{p['title']} ({p['author_count']} authors)" for p in g) + ".",
    [str(p['author_count']) for p in g])

g = sel(lambda p: p['author_count'] == 1)
add('single-author', "show me papers written by a single author", g,
    f"{len(g)} papers have exactly one author: {lst(g)}.", [str(len(g))])

g = sel(lambda p: p['has_code'] is True)
add('has-code', "which papers have code available? want something I can actually run", g,
    f"Only {len(g)} paper is flagged as having code: {lst(g)}.", [str(len(g))])

g = sel(lambda p: any(a.split()[-1] == 'Suzuki' for a in p['authors']))
add('surname-suzuki', "papers by suzuki", g,
    f"Taiji Suzuki is on {len(g)} papers (all with Juno Kim): {lst(g)}.", ["Taiji Suzuki", str(len(g))])

g = sel(has_author('Eshaan Nichani'))
add('fullname-nichani', "What has Eshaan Nichani written?", g,
    f"Eshaan Nichani co-authored {len(g)} papers: {lst(g)}.", [str(len(g))])

g = sel(has_author('Rahm Ranjan'))
add('initials-ranjan', "what did R. Ranjan work on", g,
    f"R. Ranjan is Rahm Ranjan, on {len(g)} gait-analysis papers: {lst(g)}.", ["Rahm Ranjan", str(len(g))])

g = sel(has_author('Jihun Yun'))
add('misspelled-yun', "papers from Jihoon Yun?", g,
    f"The catalog spells it Jihun Yun; {len(g)} papers: {lst(g)}.", ["Jihun Yun", str(len(g))])

g = sel(lambda p: p['category'] == 'ML')
add('stat-ml', "list the stat.ML papers", g, f"{len(g)} papers are in stat.ML: {lst(g)}.", [str(len(g))])

g = sel(lambda p: p['category'] == 'AI')
add('cat-ai', "anything categorised under artificial intelligence?", g,
    f"{len(g)} paper is in cs.AI: {lst(g)}.", [str(len(g))])

g = sel(lambda p: p['category'] == 'CL')
add('cat-cl', "which papers are in computation and language", g,
    f"{len(g)} paper is in cs.CL: {lst(g)}.", [str(len(g))])

g = sel(lambda p: p['category'] == 'CV')
add('cat-cs-cv', "how many cs.CV papers are there", g,
    f"{len(g)} papers are in cs.CV: {lst(g)}.", [str(len(g))])

# ---------------- metadata x topic ------------------------------------------------
g = sel(lambda p: topic('kan')(p) and between(p, dt.date(2025,1,1), dt.date(2025,12,31)))
add('topic-kan-2025', "kolmogorov-arnold network papers from 2025?", g,
    f"{len(g)} KAN papers are from 2025: {lst(g)}. (The other two KAN papers are from July/August 2024.)", [str(len(g))])

g = sel(lambda p: topic('icl')(p) and D(p) is not None and D(p) < dt.date(2024,1,1))
add('topic-icl-pre2024', "in-context learning papers from before 2024", g,
    f"{len(g)} dated in-context-learning papers predate 2024: {lst(g)}.", [str(len(g))])

g = sel(lambda p: topic('diffusion')(p) and between(p, dt.date(2024,1,1), dt.date(2024,12,31)))
add('topic-diffusion-2024', "dffusion model papers published in 2024", g,
    f"{len(g)} diffusion-model papers are dated 2024: {lst(g)}.", [str(len(g))])

g = sel(lambda p: topic('cot')(p) and 'Juno Kim' in p['authors'])
add('topic-cot-junokim', "has juno kim done anything on chain of thought?", g,
    f"Yes, {len(g)} papers: {lst(g)}.", [str(len(g))])

g = sel(lambda p: topic('linattn')(p) and p['upvotes'] is not None and p['upvotes'] > 0)
add('topic-linattn-upvotes', "i'm looking at linear attention / linearizing transformers -- which of those papers have any upvotes?", g,
    f"{len(g)}: " + '; '.join(f"{p['title']} ({p['upvotes']} upvotes)" for p in g) + ".", [str(len(g))])

g = sel(lambda p: topic('gnn')(p) and p['author_count'] is not None and p['author_count'] >= 8)
add('topic-gnn-8authors', "GNN papers w/ eight or more authors", g,
    f"{len(g)}: " + '; '.join(f"{p['title']} ({p['author_count']} authors)" for p in g) + ".", [str(len(g))])

g = sel(lambda p: topic('rl')(p) and between(p, dt.date(2022,1,1), dt.date(2023,12,31)))
add('topic-rl-2022-2023', "RL or bandit papers from 2022-2023?", g,
    f"{len(g)} reinforcement-learning/bandit papers are dated 2022-2023: {lst(g)}.", [str(len(g))])

g = sel(lambda p: topic('seg')(p) and p['author_count'] is not None and p['author_count'] >= 5)
add('topic-seg-5authors', "segmentaion papers with at least 5 authors", g,
    f"{len(g)}: " + '; '.join(f"{p['title']} ({p['author_count']} authors)" for p in g) + ".", [str(len(g))])

# ---------------- write -----------------------------------------------------------
# Bare counts are required facts only where the question asks "how many" (or for
# aggregations); for plain "list them" questions the titles are what matters.
COUNT_ASKED = {'during-2023', 'past-12-months', 'cat-cs-cv', 'top-authors'}
for q in Q:
    if q['id'][len('blind-r2-meta-'):] not in COUNT_ASKED:
        q['key_facts'] = [k for k in q['key_facts'] if not (k.isdigit() and len(k) <= 2) or q['id'].endswith('ten-plus-authors')]
assert len(Q) == 32 and len({q['id'] for q in Q}) == 32
with open(os.path.join(HERE, 'qa_blind_r2_metadata.jsonl'), 'w') as f:
    for q in Q:
        f.write(json.dumps(q, ensure_ascii=False) + '\n')
for q in Q:
    print(f"{q['id']:40s} n={len(q['gold_titles']):2d}  {q['question']}")
    print('     kf:', q['key_facts'])
    for t in q['gold_titles']: print('       -', t[:90])
