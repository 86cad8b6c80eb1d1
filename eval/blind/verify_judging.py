import json,re,sys
D='/tmp/blindwork/judging/'
C=json.load(open('/tmp/blindwork/catalog.json'))
titles={p['title']:p for p in C}
Q=[json.loads(l) for l in open(D+'qa_blind.jsonl')]
TERMS=json.load(open(D+'terms.json'))
FIELDS=["id","type","question","gold_titles","acceptable_titles","reference_answer","key_facts"]
err=0
def E(*a):
    global err; err+=1; print("ERROR",*a)
ids=[q['id'] for q in Q]
if len(ids)!=len(set(ids)): E("duplicate ids")
for q in Q:
    if list(q.keys())!=FIELDS: E(q['id'],"fields",list(q.keys()))
    if q['type'] not in ("topic","paraphrase","unanswerable","fact"): E(q['id'],"type")
    if not q['id'].startswith('blind-'): E(q['id'],'id prefix')
    g,a=q['gold_titles'],q['acceptable_titles']
    for t in g+a:
        if t not in titles: E(q['id'],"not a catalog title:",t)
    if len(g)!=len(set(g)) or len(a)!=len(set(a)): E(q['id'],"dup titles")
    if set(g)&set(a): E(q['id'],"gold&acceptable overlap")
    for k in ("question","reference_answer"):
        if not isinstance(q[k],str) or not q[k].strip(): E(q['id'],k,"empty")
    if not all(isinstance(x,str) for x in q['key_facts']): E(q['id'],"key_facts not str")
    n=len(g)
    if q['type']=="topic" and not 2<=n<=8: E(q['id'],"topic gold count",n)
    if q['type']=="paraphrase" and not 1<=n<=6: E(q['id'],"para gold count",n)
    if q['type']=="unanswerable" and (g or a or q['key_facts']): E(q['id'],"unanswerable must be empty")
    if q['type']=="fact" and n!=1: E(q['id'],"fact gold count",n)
    # key facts verbatim in some gold title+abstract
    for kf in q['key_facts']:
        if not any(kf in titles[t]['title']+' '+titles[t]['abstract'] for t in g):
            E(q['id'],"key fact not verbatim in gold:",repr(kf))
print(f"schema/title checks done: {len(Q)} questions, {err} errors\n")
mode=sys.argv[1] if len(sys.argv)>1 else 'all'
for q in Q:
    if q['type']=='fact': continue
    terms=TERMS.get(q['id'])
    if terms is None: E(q['id'],"no terms"); continue
    known=set(q['gold_titles'])|set(q['acceptable_titles'])
    print(f"=== {q['id']} [{q['type']}] {q['question']}")
    print(f"    gold={len(q['gold_titles'])} acc={len(q['acceptable_titles'])} terms={terms}")
    for p in C:
        if p['title'] in known: continue
        text=p['title']+' '+p['abstract']
        hits=[t for t in terms if re.search(t,text,re.I)]
        if hits:
            m=re.search(hits[0],text,re.I); s=max(0,m.start()-60)
            print(f"  - {p['title'][:90]} | {hits} | ...{text[s:m.end()+60]!r}")
    print()
print("TOTAL ERRORS",err)
