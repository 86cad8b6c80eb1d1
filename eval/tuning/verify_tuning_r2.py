import json, re, sys, collections
D = '/tmp/blindwork/tuning_r2/'
cat = json.load(open('/tmp/blindwork/catalog.json'))
titles = {p['title']: p for p in cat}
idx = {p['title']: i for i, p in enumerate(cat)}
terms = json.load(open(D + 'terms.json'))
FIELDS = ["id", "type", "question", "gold_titles", "acceptable_titles", "reference_answer", "key_facts"]
errs = []
qs = [json.loads(l) for l in open(D + 'qa_tuning_r2.jsonl') if l.strip()]
ids = collections.Counter(q.get('id') for q in qs)
for k, v in ids.items():
    if v > 1: errs.append(f"duplicate id {k}")
qtext = collections.Counter(q.get('question', '').strip().lower() for q in qs)
for k, v in qtext.items():
    if v > 1: errs.append(f"duplicate question {k}")
types = collections.Counter(q.get('type') for q in qs)
goldcount = collections.Counter()
verbose = '-q' not in sys.argv
for q in qs:
    qid = q.get('id')
    if list(q.keys()) != FIELDS: errs.append(f"{qid}: fields {list(q.keys())}")
    if not str(qid).startswith('tune-r2-'): errs.append(f"{qid}: bad id prefix")
    if q['type'] not in ('topic', 'paraphrase', 'unanswerable'): errs.append(f"{qid}: bad type")
    g, a = q['gold_titles'], q['acceptable_titles']
    for tl in g + a:
        if tl not in titles: errs.append(f"{qid}: title not in catalog: {tl!r}")
    if len(set(g)) != len(g) or len(set(a)) != len(a): errs.append(f"{qid}: duplicate titles")
    if set(g) & set(a): errs.append(f"{qid}: gold and acceptable overlap")
    if not isinstance(q['reference_answer'], str) or not q['reference_answer'].strip(): errs.append(f"{qid}: empty reference")
    if not isinstance(q['key_facts'], list): errs.append(f"{qid}: key_facts not list")
    if q['type'] == 'unanswerable':
        if g or q['key_facts']: errs.append(f"{qid}: unanswerable must have empty gold and key_facts")
    else:
        lo, hi = (1, 8) if q['type'] == 'topic' else (1, 6)
        if not (lo <= len(g) <= hi): errs.append(f"{qid}: gold count {len(g)} outside {lo}-{hi}")
        if len(q['key_facts']) > 1: errs.append(f"{qid}: more than one key fact")
        for kf in q['key_facts']:
            for tl in g:
                if kf.lower() not in titles[tl]['abstract'].lower():
                    errs.append(f"{qid}: key fact {kf!r} not verbatim in abstract of {tl!r}")
    for tl in g: goldcount[tl] += 1
    if qid not in terms: errs.append(f"{qid}: no terms"); continue
    pats = [re.compile(p, re.I) for p in terms[qid]]
    hits = []
    for p in cat:
        if p['title'] in g or p['title'] in a: continue
        txt = p['title'] + ' ' + p['abstract']
        m = [pt.pattern for pt in pats if pt.search(txt)]
        if m: hits.append((idx[p['title']], p['title'], m))
    if verbose:
        print(f"\n== {qid} [{q['type']}] {q['question']}")
        print("   gold:", [idx[x] for x in g if x in idx], " acc:", [idx[x] for x in a if x in idx])
        for i, tl, m in hits: print(f"   - {i:3d} {tl[:80]}  <{','.join(m)}>")
print("\ncounts:", dict(types), " total:", len(qs))
want = {'topic': 22, 'paraphrase': 20, 'unanswerable': 18}
for k, v in want.items():
    if types[k] != v: errs.append(f"type {k}: {types[k]} != {v}")
print("papers used as gold:", len(goldcount))
print("ERRORS:" if errs else "CLEAN", *errs, sep='\n')
