#!/usr/bin/env python3
"""Gold recomputation for the blind round-4 METADATA batch.

Each question id has one predicate over the catalog (/tmp/blindwork/catalog.json).
List predicates return the set of matching titles; aggregation predicates return
(gold_titles, key_facts).  Running this file recomputes gold_titles / key_facts for
every question and checks qa_blind_r4_metadata.jsonl agrees.  Exit 0 iff all agree.

Conventions (see metadata_predicates_r4.md):
 * unknown field (None / empty) never matches a predicate on that field;
 * date ranges inclusive unless "before"/"after" say strictly;
 * year/range predicates use `published` (YYYY-MM-DD); yearless `date_text`
   ("Mar 27") never matches a year or range;
 * month-of-year predicates use the month from `published`, or from `date_text`
   when `published` is null (the month is known even without a year);
 * "last N months" counts back from the newest `published` date in the catalog;
 * a surname matches the last token of a listed author name; initials "J. Lee"
   match names whose first token starts with J and last token is Lee;
 * author counts use `author_count` (null never matches);
 * topic parts use explicit title lists judged by reading abstracts.
"""
import json, sys, os, datetime, collections, unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
CAT = json.load(open('/tmp/blindwork/catalog.json'))
QA = os.path.join(HERE, 'qa_blind_r4_metadata.jsonl')

MONTHS = ['Jan','Feb','Mar','Apr','May','Jun','Jul','Aug','Sep','Oct','Nov','Dec']

def pub(p):
    return datetime.date.fromisoformat(p['published']) if p.get('published') else None

def month_of(p):
    d = pub(p)
    if d: return d.month
    dt = p.get('date_text')
    if dt and dt[:3] in MONTHS: return MONTHS.index(dt[:3]) + 1
    return None

def in_range(p, lo, hi):
    d = pub(p)
    return d is not None and lo <= d <= hi

def strip_acc(s):
    return ''.join(ch for ch in unicodedata.normalize('NFKD', s) if not unicodedata.combining(ch)).lower()

def has_author(p, full):
    return any(strip_acc(a) == strip_acc(full) for a in p.get('authors') or [])

def has_surname(p, sur):
    return any(strip_acc(a).replace('-', ' ').split()[-1] == strip_acc(sur) or strip_acc(a).split()[-1] == strip_acc(sur)
               for a in p.get('authors') or [])

def has_initial(p, init, sur):
    out = False
    for a in p.get('authors') or []:
        t = strip_acc(a).split()
        if t and t[-1] == strip_acc(sur) and t[0].startswith(init.lower()):
            out = True
    return out

def T(pred):
    return sorted(p['title'] for p in CAT if pred(p))

def resolve(prefixes):
    """explicit hand-judged lists are written as title prefixes; resolve to exact titles"""
    out = []
    for pre in prefixes:
        m = [p['title'] for p in CAT if p['title'].startswith(pre)]
        assert len(m) == 1, (pre, m)
        out.append(m[0])
    return set(out)

NEWEST = max(pub(p) for p in CAT if pub(p))          # 2025-11-08
OLDEST = min(pub(p) for p in CAT if pub(p))

def months_back(d, n):
    y, m = d.year, d.month - n
    while m <= 0:
        m += 12; y -= 1
    return datetime.date(y, m, d.day)

# ---------------- topic lists judged by reading abstracts ----------------
# diffusion models (any year; intersected with 2024 below).  Dissecting CLIP evaluates
# text-to-image generators (usually diffusion) but never says "diffusion": acceptable only.
TOPIC_DIFFUSION = resolve([
    'Neural Network-Based Score Estimation in Diffusion Models',
    'NoiseDiffusion: Correcting Noise',
    'LinFusion: 1 GPU',                      # linear attention for diffusion UNets
    'Smooth Diffusion: Crafting',            # 2023 - outside the year
    'Robust Representation Consistency Model',  # 2025, diffusion-based randomized smoothing
    'Revisiting Diffusion Model Predictions',   # yearless
])
ACC_DIFFUSION_2024 = resolve(['Dissecting CLIP: Decomposition'])
# transformers as the object of study (Juno Kim question)
TOPIC_TRANSFORMERS_JK = resolve([
    'Transformers are Minimax Optimal Nonparametric',
    'Transformers Learn Nonlinear Features In Context',
    'Transformers Provably Solve Parity',
])
# arguable: associative memory as a model of factual recall in transformers; CoT of LLMs
ACC_TRANSFORMERS_JK = resolve([
    'Sharp Capacity Scaling of Spectral Optimizers',
    'Metastable Dynamics of Chain-of-Thought',
])
# Kolmogorov-Arnold networks
TOPIC_KAN = resolve([
    'Kolmogorov-Arnold Attention: Is Learnable',
    'Color Matching Using Hypernetwork-Based Kolmogorov-Arnold',
    'Activation Space Selectable Kolmogorov-Arnold',
    'Kolmogorov-Arnold Networks: A Critical Assessment',
])
# (large) language models as the main subject, among papers that have upvotes / 8+ authors
TOPIC_LLM = resolve([
    'Liger: Linearizing Large Language Models',
    'Stemming Hallucination in Language Models',
    'FireQ: Fast INT4-FP8 Kernel',
    'LoLCATs: On Low-Rank Linearizing',
])
# randomized smoothing / certified robustness
TOPIC_RS = resolve([
    'Mitigating the Curse of Dimensionality for Certified Robustness',
    'Robust Representation Consistency Model',
    'The Lipschitz-Variance-Margin Tradeoff',   # 2023 - outside "since 2024"
])
# efficient (sub-quadratic / linear / windowed) attention mechanisms
TOPIC_EFF_ATT = resolve([
    'Softmax-free Linear Transformers',
    'Faster Neighborhood Attention',
    'LinFusion: 1 GPU',
    'LoLCATs: On Low-Rank Linearizing',
    'Liger: Linearizing Large Language Models',   # 2025 - outside 2022-2024
])
# has_code acceptable: abstracts that themselves state a code link / code availability
import re
_CODE_RE = re.compile(r'github|\b(code|codes|codebase|implementation)\b[^.]{0,80}\b(available|released|release|accessible)\b|\bcode( link)?:')
def code_in_abstract(p):
    # abstract states a code link / code availability; Mega-TTS 2 only links a demo page
    return bool(_CODE_RE.search(p['abstract'].lower())) and not p['title'].startswith('Mega-TTS 2')

# ---------------- predicates ----------------
D = datetime.date
def agg_per_year():
    c = collections.Counter(pub(p).year for p in CAT if pub(p))
    return [], [f'{y}: {n}' for y, n in sorted(c.items())]

def agg_top_authors():
    c = collections.Counter(a for p in CAT for a in p.get('authors') or [])
    (a1, n1), (a2, n2) = c.most_common(2)
    assert n2 > c.most_common(3)[2][1]
    return [], [a1, str(n1), a2, str(n2)]

def agg_avg_authors():
    v = [p['author_count'] for p in CAT if p.get('author_count')]
    return [], [f'{sum(v)/len(v):.1f}', str(len(v))]

def agg_categories():
    c = collections.Counter(p['category'] for p in CAT if p.get('category'))
    return [], [f'{k}: {n}' for k, n in c.most_common()]

def most_upvoted():
    m = max(p['upvotes'] for p in CAT if p.get('upvotes') is not None)
    return T(lambda p: p.get('upvotes') == m), [str(m)]

def count_list(pred, extra=()):
    t = T(pred)
    return t, [str(len(t))] + list(extra)

PRED = {
 'blind-r4-meta-year-2022':      lambda: (T(lambda p: pub(p) and pub(p).year == 2022), []),
 'blind-r4-meta-single-date':    lambda: (T(lambda p: pub(p) == D(2023, 9, 28)), []),
 'blind-r4-meta-mar-jun-2023':   lambda: (T(lambda p: in_range(p, D(2023, 3, 1), D(2023, 6, 30))), []),
 'blind-r4-meta-q3-2024':        lambda: (T(lambda p: in_range(p, D(2024, 7, 1), D(2024, 9, 30))), []),
 'blind-r4-meta-h2-2025':        lambda: (T(lambda p: in_range(p, D(2025, 7, 1), D(2025, 12, 31))), []),
 'blind-r4-meta-summer-2023':    lambda: (T(lambda p: in_range(p, D(2023, 6, 1), D(2023, 8, 31))), []),
 'blind-r4-meta-before-2021':    lambda: (T(lambda p: pub(p) and pub(p) < D(2021, 1, 1)), []),
 'blind-r4-meta-last-6-months':  lambda: (T(lambda p: in_range(p, months_back(NEWEST, 6), NEWEST)), []),
 'blind-r4-meta-january':        lambda: (T(lambda p: month_of(p) == 1), []),
 'blind-r4-meta-per-year-table': agg_per_year,
 'blind-r4-meta-taiji-suzuki':   lambda: (T(lambda p: has_author(p, 'Taiji Suzuki')), []),
 'blind-r4-meta-surname-gretton':lambda: (T(lambda p: has_surname(p, 'Gretton')), []),
 'blind-r4-meta-initials-jlee':  lambda: (T(lambda p: has_initial(p, 'J', 'Lee')), []),
 'blind-r4-meta-accent-ahmedt':  lambda: (T(lambda p: has_author(p, 'David Ahmedt-Aristizábal')), []),
 'blind-r4-meta-top-authors':    agg_top_authors,
 'blind-r4-meta-solo':           lambda: count_list(lambda p: p.get('author_count') == 1),
 'blind-r4-meta-dozen-authors':  lambda: (T(lambda p: (p.get('author_count') or 0) >= 12),
                                          [str(max(p['author_count'] or 0 for p in CAT))]),
 'blind-r4-meta-avg-authors':    agg_avg_authors,
 'blind-r4-meta-cat-statistics': lambda: (T(lambda p: p.get('category') == 'ML'), []),
 'blind-r4-meta-cat-compling':   lambda: (T(lambda p: p.get('category') == 'CL'), []),
 'blind-r4-meta-cat-table':      agg_categories,
 'blind-r4-meta-most-upvoted':   most_upvoted,
 'blind-r4-meta-upvotes-2plus':  lambda: count_list(lambda p: (p.get('upvotes') or 0) >= 2),
 'blind-r4-meta-has-code':       lambda: (T(lambda p: p.get('has_code') is True), []),
 'blind-r4-meta-newest':         lambda: (T(lambda p: pub(p) == NEWEST), []),
 # ---- metadata + topic ----
 'blind-r4-meta-topic-diffusion-2024': lambda: (T(lambda p: pub(p) and pub(p).year == 2024 and p['title'] in TOPIC_DIFFUSION), []),
 'blind-r4-meta-topic-junokim-transformers': lambda: (T(lambda p: has_author(p, 'Juno Kim') and p['title'] in TOPIC_TRANSFORMERS_JK), []),
 'blind-r4-meta-topic-kan-2025': lambda: (T(lambda p: pub(p) and pub(p).year == 2025 and p['title'] in TOPIC_KAN), []),
 'blind-r4-meta-topic-upvoted-llm': lambda: (T(lambda p: p.get('upvotes') is not None and p['upvotes'] > 0 and p['title'] in TOPIC_LLM), []),
 'blind-r4-meta-topic-smoothing-since-2024': lambda: (T(lambda p: pub(p) and pub(p) >= D(2024, 1, 1) and p['title'] in TOPIC_RS), []),
 'blind-r4-meta-topic-efficient-attention-2022-2024': lambda: (T(lambda p: in_range(p, D(2022, 1, 1), D(2024, 12, 31)) and p['title'] in TOPIC_EFF_ATT), []),
 'blind-r4-meta-topic-llm-8plus-authors': lambda: (T(lambda p: (p.get('author_count') or 0) >= 8 and p['title'] in TOPIC_LLM), []),
}

ACCEPTABLE = {
 'blind-r4-meta-topic-diffusion-2024': lambda: sorted(ACC_DIFFUSION_2024),
 'blind-r4-meta-topic-junokim-transformers': lambda: sorted(t for t in ACC_TRANSFORMERS_JK if any(p['title'] == t and has_author(p, 'Juno Kim') for p in CAT)),
 'blind-r4-meta-has-code': lambda: T(lambda p: not p.get('has_code') and code_in_abstract(p)),
}

def main():
    rows = [json.loads(l) for l in open(QA) if l.strip()]
    ok = True
    ids = [r['id'] for r in rows]
    if len(rows) != 32 or len(set(ids)) != 32:
        print('expected 32 unique rows, got', len(rows), len(set(ids))); ok = False
    if set(ids) != set(PRED):
        print('id mismatch', set(ids) ^ set(PRED)); ok = False
    titles = {p['title'] for p in CAT}
    for r in rows:
        if set(r) != {"id", "type", "question", "gold_titles", "acceptable_titles", "reference_answer", "key_facts"}:
            print('bad keys', r['id']); ok = False
        if r['type'] != 'metadata':
            print('bad type', r['id']); ok = False
        if r['id'] not in PRED: continue
        g, kf = PRED[r['id']]()
        acc = ACCEPTABLE.get(r['id'], lambda: [])()
        for name, want, got in (('gold_titles', g, r['gold_titles']), ('key_facts', kf, r['key_facts']),
                                ('acceptable_titles', acc, r['acceptable_titles'])):
            if sorted(want) != sorted(got):
                ok = False
                print(f'MISMATCH {r["id"]} {name}\n  script: {sorted(want)}\n  jsonl:  {sorted(got)}')
        for t in r['gold_titles'] + r['acceptable_titles']:
            if t not in titles:
                print('unknown title', r['id'], t); ok = False
        if set(r['gold_titles']) & set(r['acceptable_titles']):
            print('gold/acceptable overlap', r['id']); ok = False
    print('ALL AGREE' if ok else 'DISAGREEMENT')
    return 0 if ok else 1

if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == '--dump':
        for k, f in PRED.items():
            g, kf = f()
            print(k, len(g), kf); [print('   ', t) for t in g]
            if k in ACCEPTABLE: print('   ACC', ACCEPTABLE[k]())
        sys.exit(0)
    sys.exit(main())
