"""Verify the blind round-3 question files against the parsed catalog.

Checks
1. qa_blind_r3.jsonl: 44 lines with exactly the required keys, ids/types as
   specified, every gold/acceptable title is an exact catalog title, gold and
   acceptable are disjoint, gold sizes per type (topic 2-6, paraphrase 1-5,
   unanswerable 0, fact 1).
2. key facts: for fact questions every key fact occurs verbatim (case-sensitive)
   in the gold paper's abstract (or title); for topic/paraphrase questions every key
   fact occurs (case-insensitive) in the title/abstract of at least one gold paper.
3. completeness review: for every topic/paraphrase/unanswerable question the search
   terms in r3_terms.json are applied to title+abstract and every matching paper
   that is neither gold nor acceptable is printed, for manual review.  Papers the
   reviewer has looked at and ruled out are recorded either as trap titles in
   judging_notes_r3.jsonl (meaningful near misses sharing the topic/vocabulary) or
   in the question's "reviewed_out" list in r3_terms.json (incidental term hits,
   e.g. 'sketching' in linear algebra).  The script reports matches recorded in
   neither place, so a clean run means every term hit has been reviewed.
4. judging_notes_r3.jsonl: one line per question of qa_blind_r3.jsonl, trap titles
   exact and disjoint from gold.
5. qa_blind_r3_metadata.jsonl: 30 lines, exact keys, titles exact.
6. qa_rephrasings_r3.jsonl: one line per topic/paraphrase/unanswerable question,
   three distinct rephrasings each.

Usage: python eval/blind/verify_r3.py [--show-all]
  --show-all also prints term hits already recorded as traps.
Exit status 0 when clean.
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
EVAL = os.path.dirname(HERE)
CATALOG = "/tmp/blindwork/catalog.json"
KEYS = {"id", "type", "question", "gold_titles", "acceptable_titles", "reference_answer", "key_facts"}
COUNTS = {"topic": 12, "paraphrase": 10, "unanswerable": 12, "fact": 10}
PREFIX = {"topic": "blind-r3-topic-", "paraphrase": "blind-r3-para-",
          "unanswerable": "blind-r3-unans-", "fact": "blind-r3-fact-"}
GOLD_SIZE = {"topic": (2, 6), "paraphrase": (1, 5), "unanswerable": (0, 0), "fact": (1, 1)}


def load_jsonl(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def matches(spec, text):
    if "any" in spec:
        return any(re.search(t, text, re.I) for t in spec["any"])
    return all(any(re.search(t, text, re.I) for t in group) for group in spec["all"])


def main():
    show_all = "--show-all" in sys.argv
    cat = json.load(open(CATALOG))
    by_title = {p["title"]: p for p in cat}
    problems = []
    err = problems.append

    qs = load_jsonl(os.path.join(EVAL, "qa_blind_r3.jsonl"))
    if len(qs) != 44:
        err(f"qa_blind_r3.jsonl has {len(qs)} lines, want 44")
    seen = set()
    for t, n in COUNTS.items():
        got = sorted(q["id"] for q in qs if q.get("type") == t)
        want = [f"{PREFIX[t]}{i:02d}" for i in range(1, n + 1)]
        if got != want:
            err(f"{t}: ids {got} != {want}")
    for q in qs:
        if set(q) != KEYS:
            err(f"{q.get('id')}: keys {sorted(q)}")
        if q["id"] in seen:
            err(f"duplicate id {q['id']}")
        seen.add(q["id"])
        for field in ("gold_titles", "acceptable_titles"):
            for t in q[field]:
                if t not in by_title:
                    err(f"{q['id']}: {field} not an exact catalog title: {t!r}")
        if set(q["gold_titles"]) & set(q["acceptable_titles"]):
            err(f"{q['id']}: gold and acceptable overlap")
        lo, hi = GOLD_SIZE[q["type"]]
        if not lo <= len(q["gold_titles"]) <= hi:
            err(f"{q['id']}: {len(q['gold_titles'])} gold titles, want {lo}-{hi}")
        if q["type"] == "unanswerable" and q["key_facts"]:
            err(f"{q['id']}: unanswerable with key facts")
        # key facts
        golds = [by_title[t] for t in q["gold_titles"] if t in by_title]
        for kf in q["key_facts"]:
            if q["type"] == "fact":
                p = golds[0]
                if kf not in p["abstract"] and kf not in p["title"]:
                    err(f"{q['id']}: key fact {kf!r} not verbatim in gold abstract")
            else:
                if not any(kf.lower() in (p["title"] + " " + p["abstract"]).lower() for p in golds):
                    err(f"{q['id']}: key fact {kf!r} not in any gold title/abstract")

    # judging notes
    notes_path = os.path.join(HERE, "judging_notes_r3.jsonl")
    notes = {n["id"]: n for n in load_jsonl(notes_path)} if os.path.exists(notes_path) else {}
    for q in qs:
        n = notes.get(q["id"])
        if n is None:
            err(f"{q['id']}: no judging note")
            continue
        if set(n) != {"id", "trap_titles", "why"} or not n["why"].strip():
            err(f"{q['id']}: malformed judging note")
        for t in n["trap_titles"]:
            if t not in by_title:
                err(f"{q['id']}: trap title not exact: {t!r}")
            if t in q["gold_titles"]:
                err(f"{q['id']}: trap title is gold: {t!r}")
        if q["type"] == "topic" and not n["trap_titles"]:
            err(f"{q['id']}: topic question without a trap paper")
    if set(notes) - seen:
        err(f"judging notes for unknown ids: {sorted(set(notes) - seen)}")

    # completeness review via search terms
    terms = json.load(open(os.path.join(HERE, "r3_terms.json")))
    review_qs = [q for q in qs if q["type"] in ("topic", "paraphrase", "unanswerable")]
    for q in review_qs:
        spec = terms.get(q["id"])
        if spec is None:
            err(f"{q['id']}: no search terms")
            continue
        known = set(q["gold_titles"]) | set(q["acceptable_titles"])
        traps = set(notes.get(q["id"], {}).get("trap_titles", []))
        reviewed = set(spec.get("reviewed_out", []))
        for t in reviewed:
            if t not in by_title:
                err(f"{q['id']}: reviewed_out title not exact: {t!r}")
            if t in q["gold_titles"]:
                err(f"{q['id']}: reviewed_out title is gold: {t!r}")
        hits = [p for p in cat if matches(spec, p["title"] + " " + p["abstract"])]
        missing_gold = [t for t in q["gold_titles"] if t not in {p["title"] for p in hits}]
        if missing_gold:
            print(f"  note {q['id']}: terms do not hit gold {missing_gold}")
        extra = [p for p in hits if p["title"] not in known]
        unreviewed = [p for p in extra if p["title"] not in traps and p["title"] not in reviewed]
        shown = extra if show_all else unreviewed
        print(f"{q['id']} [{q['type']}] hits={len(hits)} non-gold/acceptable={len(extra)} unreviewed={len(unreviewed)}")
        if show_all or unreviewed:
            print(f"    Q: {q['question']}")
        for p in shown:
            mark = "trap" if p["title"] in traps else ("reviewed-out" if p["title"] in reviewed else "REVIEW")
            print(f"    - [{mark}] {p['title']}")
        if unreviewed:
            err(f"{q['id']}: {len(unreviewed)} term hits not reviewed (not gold/acceptable/trap)")

    # metadata file
    meta = load_jsonl(os.path.join(EVAL, "qa_blind_r3_metadata.jsonl"))
    if len(meta) != 30:
        err(f"metadata has {len(meta)} lines, want 30")
    for q in meta:
        if set(q) != KEYS or q["type"] != "metadata" or not q["id"].startswith("blind-r3-meta-"):
            err(f"metadata {q.get('id')}: bad keys/type/id")
        for t in q["gold_titles"] + q["acceptable_titles"]:
            if t not in by_title:
                err(f"metadata {q['id']}: not a catalog title {t!r}")
    if len({q["id"] for q in meta}) != len(meta):
        err("metadata: duplicate ids")

    # rephrasings
    reph = load_jsonl(os.path.join(EVAL, "qa_rephrasings_r3.jsonl"))
    want_ids = {q["id"] for q in review_qs}
    got_ids = [r["id"] for r in reph]
    if sorted(got_ids) != sorted(want_ids):
        err(f"rephrasings ids mismatch: {sorted(set(got_ids) ^ want_ids)}")
    qtext = {q["id"]: q["question"] for q in qs}
    for r in reph:
        if set(r) != {"id", "rephrasings"} or len(r["rephrasings"]) != 3 \
                or len(set(r["rephrasings"])) != 3 or qtext.get(r["id"]) in r["rephrasings"]:
            err(f"rephrasings {r.get('id')}: need 3 distinct new rephrasings")

    print()
    if problems:
        print(f"{len(problems)} PROBLEMS:")
        for p in problems:
            print("  -", p)
        return 1
    print("CLEAN: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
