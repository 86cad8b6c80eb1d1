#!/usr/bin/env python3
"""Verify the r4 blind batch.

Checks
 (1) every gold/acceptable title exists exactly in the catalog;
 (2) for every topic/paraphrase/unanswerable question, print every catalog paper whose
     title+abstract matches any of the question's search terms (r4_terms.json) and that is
     not gold/acceptable, so the gold can be reviewed by hand (informational: this never
     fails the run, decisions are recorded in review_r4.txt);
 (3) fact key_facts appear verbatim in the gold abstract; topic/paraphrase key_facts appear
     verbatim in some gold title or abstract;
 plus structural checks (ids, keys, counts, gold sizes, rephrasings, judging notes,
 no verbatim reuse of earlier questions).
Exit code 0 iff all hard checks pass.
"""
import json
import re
import sys

BASE = '/tmp/blindwork/'
R4 = BASE + 'r4/'
QUIET = '--quiet' in sys.argv

cat = json.load(open(BASE + 'catalog.json'))
by_title = {p['title']: p for p in cat}
qs = [json.loads(l) for l in open(R4 + 'qa_blind_r4.jsonl') if l.strip()]
terms = json.load(open(R4 + 'r4_terms.json'))
reph = {}
for l in open(R4 + 'qa_rephrasings_r4.jsonl'):
    if l.strip():
        r = json.loads(l)
        reph[r['id']] = r
notes = {}
for l in open(R4 + 'judging_notes_r4.jsonl'):
    if l.strip():
        n = json.loads(l)
        notes[n['id']] = n
used_q = {l.strip().lower() for l in open(BASE + 'used_questions.txt') if l.strip()}

errors = []
def err(msg):
    errors.append(msg)

KEYS = {"id", "type", "question", "gold_titles", "acceptable_titles", "reference_answer", "key_facts"}
PREFIX = {"topic": "blind-r4-topic-", "paraphrase": "blind-r4-para-",
          "unanswerable": "blind-r4-unans-", "fact": "blind-r4-fact-"}
WANT = {"topic": 14, "paraphrase": 12, "unanswerable": 12, "fact": 8}
GOLD_RANGE = {"topic": (2, 6), "paraphrase": (1, 5), "unanswerable": (0, 0), "fact": (1, 1)}

# ---- structure
counts = {}
seen_ids = set()
for q in qs:
    if set(q) != KEYS:
        err(f"{q.get('id')}: keys {sorted(q)} != {sorted(KEYS)}")
    t = q['type']
    counts[t] = counts.get(t, 0) + 1
    if q['id'] in seen_ids:
        err(f"duplicate id {q['id']}")
    seen_ids.add(q['id'])
    if t not in PREFIX or not re.fullmatch(re.escape(PREFIX[t]) + r'\d\d', q['id']):
        err(f"{q['id']}: bad id/type {t}")
    lo, hi = GOLD_RANGE[t]
    if not lo <= len(q['gold_titles']) <= hi:
        err(f"{q['id']}: {len(q['gold_titles'])} gold titles, want {lo}-{hi}")
    if set(q['gold_titles']) & set(q['acceptable_titles']):
        err(f"{q['id']}: title both gold and acceptable")
    if t == 'unanswerable' and not q['acceptable_titles']:
        err(f"{q['id']}: unanswerable needs the related papers as acceptable_titles")
    if t != 'unanswerable' and not q['key_facts']:
        err(f"{q['id']}: no key_facts")
    if q['question'].strip().lower() in used_q:
        err(f"{q['id']}: question reused verbatim from earlier rounds")
    for i, qq in enumerate(qs):
        pass
for t, n in WANT.items():
    if counts.get(t, 0) != n:
        err(f"type {t}: {counts.get(t, 0)} questions, want {n}")
for t in PREFIX:  # ids numbered 01..n consecutively
    ids = sorted(q['id'] for q in qs if q['type'] == t)
    exp = [PREFIX[t] + '%02d' % (k + 1) for k in range(len(ids))]
    if ids != exp:
        err(f"type {t}: ids not consecutive: {ids}")

# ---- (1) titles exist exactly
for q in qs:
    for title in q['gold_titles'] + q['acceptable_titles']:
        if title not in by_title:
            err(f"{q['id']}: title not in catalog: {title!r}")
for n in notes.values():
    for title in n['trap_titles']:
        if title not in by_title:
            err(f"{n['id']}: trap title not in catalog: {title!r}")

# ---- (3) key facts
for q in qs:
    gold = [by_title[t] for t in q['gold_titles'] if t in by_title]
    for kf in q['key_facts']:
        if q['type'] == 'fact':
            if not gold or kf not in gold[0]['abstract']:
                err(f"{q['id']}: key fact {kf!r} not verbatim in gold abstract")
        elif q['type'] in ('topic', 'paraphrase'):
            if not any(kf in g['title'] or kf in g['abstract'] for g in gold):
                err(f"{q['id']}: key fact {kf!r} not verbatim in any gold title/abstract")
    if q['type'] in ('topic', 'paraphrase'):
        # every gold paper should be covered by at least one key fact (soft check, printed)
        for g in gold:
            if not any(kf in g['title'] or kf in g['abstract'] for kf in q['key_facts']):
                print(f"[note] {q['id']}: no key fact from gold paper {g['title'][:60]!r}")

# ---- rephrasings / notes / terms coverage
for q in qs:
    if q['type'] == 'fact':
        continue
    r = reph.get(q['id'])
    if not r or set(r) != {'id', 'rephrasings'} or len(r['rephrasings']) != 3:
        err(f"{q['id']}: missing or malformed rephrasings")
    elif r['rephrasings'][2].lower().startswith('which papers'):
        err(f"{q['id']}: third rephrasing starts with 'Which papers'")
    elif len(set(x.strip().lower() for x in r['rephrasings'] + [q['question']])) != 4:
        err(f"{q['id']}: rephrasings not distinct")
    n = notes.get(q['id'])
    if not n or set(n) != {'id', 'trap_titles', 'why'} or not n['why'].strip():
        err(f"{q['id']}: missing or malformed judging note")
    elif q['type'] == 'topic' and not n['trap_titles']:
        err(f"{q['id']}: topic question without a trap paper")
    elif set(n['trap_titles']) & set(q['gold_titles']):
        err(f"{q['id']}: a trap title is also gold")
    if q['id'] not in terms or not terms[q['id']]:
        err(f"{q['id']}: no search terms")
for extra in set(reph) - {q['id'] for q in qs if q['type'] != 'fact'}:
    err(f"rephrasing for unknown/fact id {extra}")

# ---- (2) candidate printout
def text(p):
    return (p['title'] + ' \n ' + p['abstract']).lower()

print('=' * 100)
print('CANDIDATE REVIEW: papers matching the terms that are NOT gold/acceptable')
print('  (T) = listed as trap in judging notes; score = number of distinct terms matched')
print('=' * 100)
for q in qs:
    if q['type'] == 'fact':
        continue
    pats = [re.compile(t) for t in terms.get(q['id'], [])]
    known = set(q['gold_titles']) | set(q['acceptable_titles'])
    traps = set(notes.get(q['id'], {}).get('trap_titles', []))
    hits = []
    for p in cat:
        if p['title'] in known:
            continue
        tx = text(p)
        m = [pt.pattern for pt in pats if pt.search(tx)]
        if m:
            hits.append((len(m), p['title'], m))
    hits.sort(key=lambda h: (-h[0], h[1]))
    # also confirm each gold paper is reachable by the terms (sanity of the terms)
    for g in q['gold_titles']:
        if g in by_title and not any(pt.search(text(by_title[g])) for pt in pats):
            print(f"[warn] {q['id']}: gold paper not matched by any term: {g[:70]}")
    print(f"\n## {q['id']} [{q['type']}] {q['question']}")
    print(f"   gold: {[t[:50] for t in q['gold_titles']]}")
    if q['acceptable_titles']:
        print(f"   acceptable: {[t[:50] for t in q['acceptable_titles']]}")
    print(f"   {len(hits)} other matching papers")
    shown = hits if not QUIET else hits[:12]
    for sc, title, m in shown:
        mark = '(T)' if title in traps else '   '
        print(f"   {mark} {sc:2d} {title[:80]}  <- {', '.join(m[:4])}")

print('\n' + '=' * 100)
print('counts per type:', counts)
if errors:
    print(f'{len(errors)} ERRORS:')
    for e in errors:
        print('  -', e)
    sys.exit(1)
print('ALL CHECKS PASSED')
sys.exit(0)
