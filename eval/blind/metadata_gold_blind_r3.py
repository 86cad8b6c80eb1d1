"""Blind round 3: gold for 30 metadata questions, computed from the parsed catalog.

Reads /tmp/blindwork/catalog.json (186 papers) and writes
/work/main/eval/qa_blind_r3_metadata.jsonl.  Every question has exactly one
predicate below (or one aggregation function); metadata_predicates_r3.md
describes each in words.

General conventions (see metadata_predicates_r3.md):
- a paper's full date is the `published` field (YYYY-MM-DD); 109 papers have none.
- four papers have a `date_text` with month and day but no year ("Jan 13",
  "Jan 29", "Mar 27", "May 6"): they count for month-of-year questions only,
  never for year/range questions.
- "newest" = the maximum `published` date in the catalog (2025-11-08).
- author questions use the `authors` list (present for only 15 papers);
  author-count questions use `author_count` (71 papers); a paper whose count is
  unknown never satisfies a count predicate.
- category codes are the bare arXiv suffixes stored in `category` (LG, ML, CV,
  CL, AI); LG = cs.LG, ML = stat.ML, CV = cs.CV, CL = cs.CL, AI = cs.AI.
"""
import json
import re
from collections import Counter
from datetime import date

CATALOG = "/tmp/blindwork/catalog.json"
OUT = "/work/main/eval/qa_blind_r3_metadata.jsonl"

MONTHS = {m: i for i, m in enumerate(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)}
MONTH_NAMES = ["", "January", "February", "March", "April", "May", "June", "July",
               "August", "September", "October", "November", "December"]


def pdate(p):
    s = p.get("published")
    if not s:
        return None
    y, m, d = map(int, s.split("-"))
    return date(y, m, d)


def month_of_year(p):
    """Month number from `published`, else from `date_text` (which may lack a year)."""
    d = pdate(p)
    if d:
        return d.month
    t = p.get("date_text")
    if t and t[:3] in MONTHS:
        return MONTHS[t[:3]]
    return None


def text(p):
    return p["title"] + " " + p["abstract"]


def surname(name):
    return name.split()[-1]


def sub_months(d, n):
    y, m = d.year, d.month - n
    while m <= 0:
        m += 12
        y -= 1
    return date(y, m, d.day)


def main():
    cat = json.load(open(CATALOG))
    dated = [p for p in cat if pdate(p)]
    newest = max(pdate(p) for p in dated)
    oldest = min(pdate(p) for p in dated)
    titles = lambda ps: [p["title"] for p in ps]
    sel = lambda f: [p for p in cat if f(p)]
    in_range = lambda lo, hi: (lambda p: pdate(p) is not None and lo <= pdate(p) <= hi)
    year_is = lambda y: (lambda p: pdate(p) is not None and pdate(p).year == y)

    qs = []

    def add(slug, question, gold, answer, key_facts=None):
        qs.append({
            "id": "blind-r3-meta-" + slug,
            "type": "metadata",
            "question": question,
            "gold_titles": gold,
            "acceptable_titles": [],
            "reference_answer": answer,
            "key_facts": key_facts if key_facts is not None else [],
        })

    def listing(ps):
        return "; ".join(p["title"] for p in ps)

    # 1 count for one year
    g = sel(year_is(2023))
    add("count-2023", "how many of the papers came out in 2023?", titles(g),
        f"{len(g)} papers have a 2023 publication date: {listing(g)}.", [str(len(g))])

    # 2 per-year aggregation
    per_year = Counter(pdate(p).year for p in dated)
    no_year = [p for p in cat if not pdate(p) and p.get("date_text")]
    undated = [p for p in cat if not pdate(p) and not p.get("date_text")]
    desc = ", ".join(f"{y}: {n}" for y, n in sorted(per_year.items()))
    add("per-year", "Can you break the collection down by year - how many papers per year?", [],
        f"Papers with a full publication date per year: {desc} (total {len(dated)}). "
        f"{len(no_year)} more papers have only a month and day without a year, and {len(undated)} papers have no date at all.",
        [f"{y}: {n}" for y, n in sorted(per_year.items())])

    # 3 year with most papers (tie)
    top = max(per_year.values())
    top_years = sorted(y for y, n in per_year.items() if n == top)
    add("top-year", "Which year has the most papers in the collection?", [],
        f"It is a tie: {' and '.join(map(str, top_years))} each have {top} dated papers "
        f"(counting only papers with a full publication date).",
        [str(y) for y in top_years] + [str(top)])

    # 4 newest
    g = sel(lambda p: pdate(p) == newest)
    add("newest", "What's the most recent paper in here?", titles(g),
        f"The newest publication date is {newest.isoformat()}, shared by {len(g)} papers: {listing(g)}.",
        [newest.strftime("%b %-d, %Y")])

    # 5 oldest
    g = sel(lambda p: pdate(p) == oldest)
    add("oldest", "which is the oldest paper you have?", titles(g),
        f"The oldest dated paper is {listing(g)} ({oldest.isoformat()}).",
        [oldest.strftime("%b %-d, %Y")])

    # 6 last 3 months relative to newest
    lo = sub_months(newest, 3)
    g = sel(in_range(lo, newest))
    add("last-3-months", "Show me what was published in the last three months of the collection (counting back from the newest paper).",
        titles(g),
        f"Counting back three months from the newest paper ({newest.isoformat()}), i.e. from {lo.isoformat()} on, "
        f"{len(g)} papers: {listing(g)}.", [str(len(g))])

    # 7 summer 2024
    g = sel(in_range(date(2024, 6, 1), date(2024, 8, 31)))
    add("summer-2024", "anything from summer 2024?", titles(g),
        f"{len(g)} papers were published June-August 2024: {listing(g)}.", [str(len(g))])

    # 8 second half of 2023
    g = sel(in_range(date(2023, 7, 1), date(2023, 12, 31)))
    add("h2-2023", "List the papers from the second half of 2023.", titles(g),
        f"{len(g)} papers were published between July 1 and December 31, 2023: {listing(g)}.", [str(len(g))])

    # 9 Q1 2025
    g = sel(in_range(date(2025, 1, 1), date(2025, 3, 31)))
    add("q1-2025", "Which papers appeared in the first quarter of 2025?", titles(g),
        f"{len(g)} papers were published January-March 2025: {listing(g)}.", [str(len(g))])

    # 10 since October 2024
    g = sel(in_range(date(2024, 10, 1), newest))
    add("since-oct-2024", "How many papers have come out since October 2024?", titles(g),
        f"{len(g)} papers have a publication date on or after October 1, 2024.", [str(len(g))])

    # 11 before 2022
    g = sel(lambda p: pdate(p) is not None and pdate(p) < date(2022, 1, 1))
    add("before-2022", "Are there papers from before 2022?", titles(g),
        f"Yes, {len(g)}: {listing(g)}.", [str(len(g))])

    # 12 March of any year (month known from date_text even without a year)
    g = sel(lambda p: month_of_year(p) == 3)
    add("march-any-year", "Which papers were published in March, in any year?", titles(g),
        f"{len(g)} papers have a March date (one of them, dated only 'Mar 27', has no year): {listing(g)}.",
        [str(len(g))])

    # 13 cs.LG
    g = sel(lambda p: p.get("category") == "LG")
    add("cat-cslg", "cs.LG papers?", titles(g),
        f"{len(g)} papers are categorized cs.LG: {listing(g)}.", [str(len(g))])

    # 14 stat.ML
    g = sel(lambda p: p.get("category") == "ML")
    add("cat-statml", "Which papers are filed under stat.ML (statistics - machine learning)?", titles(g),
        f"{len(g)} papers carry the stat.ML category: {listing(g)}.", [str(len(g))])

    # 15 computer vision by name
    g = sel(lambda p: p.get("category") == "CV")
    add("cat-computer-vision", "What's in the computer vision category?", titles(g),
        f"{len(g)} papers are categorized as computer vision (cs.CV): {listing(g)}.", [str(len(g))])

    # 16 category with the most papers
    cc = Counter(p["category"] for p in cat if p.get("category"))
    c0, n0 = cc.most_common(1)[0]
    add("cat-most", "Which subject category has the most papers?", titles(sel(lambda p: p.get("category") == c0)),
        f"cs.{c0} with {n0} papers (counts: " + ", ".join(f"{k} {v}" for k, v in cc.most_common())
        + f"); only {sum(cc.values())} of {len(cat)} papers have a category at all.",
        ["cs.LG", str(n0)])

    # 17 cs.LG and 2025
    g = sel(lambda p: p.get("category") == "LG" and pdate(p) is not None and pdate(p).year == 2025)
    add("cslg-2025", "Which cs.LG papers are from 2025?", titles(g),
        f"{len(g)}: {listing(g)}. Two other cs.LG papers are dated only 'Jan 13' and 'Mar 27' without a year, so they cannot be placed in 2025.",
        [str(len(g))])

    # 18 most upvoted
    mx = max(p["upvotes"] for p in cat if p.get("upvotes") is not None)
    g = sel(lambda p: p.get("upvotes") == mx)
    add("most-upvoted", "What is the most upvoted paper?", titles(g),
        f"{listing(g)}, with {mx} upvotes.", [str(mx)])

    # 19 upvoted and 2025
    g = sel(lambda p: (p.get("upvotes") or 0) > 0 and pdate(p) is not None and pdate(p).year == 2025)
    add("upvoted-2025", "Of the 2025 papers, which ones got any upvotes?", titles(g),
        f"{len(g)}: " + "; ".join(f"{p['title']} ({p['upvotes']})" for p in g) + ".", [str(len(g))])

    # 20 has_code flag
    g = sel(lambda p: p.get("has_code") is True)
    add("has-code", "Which papers are flagged as having code available?", titles(g),
        f"Only {len(g)} paper carries the code-available flag: {listing(g)}. (Many other abstracts mention a GitHub link, but the flag is not set for them.)",
        [str(len(g))])

    # 21 surname
    g = sel(lambda p: any(surname(a) == "Suzuki" for a in p["authors"]))
    add("surname-suzuki", "papers by Suzuki?", titles(g),
        f"{len(g)} papers list Taiji Suzuki as an author: {listing(g)}.", [str(len(g))])

    # 22 full name
    g = sel(lambda p: "Denny Wu" in p["authors"])
    add("fullname-denny-wu", "What has Denny Wu written that's in the collection?", titles(g),
        f"{len(g)} papers: {listing(g)}.", [str(len(g))])

    # 23 initials: first name starting with J, surname Lee
    g = sel(lambda p: any(a.split()[0].startswith("J") and surname(a) == "Lee" for a in p["authors"]))
    add("initials-j-lee", "Anything co-authored by J. Lee?", titles(g),
        f"{len(g)} papers list an author J. Lee (once as 'Jason D. Lee', once as 'Jason Lee'): {listing(g)}.",
        [str(len(g))])

    # 24 accented name (absent)
    g = sel(lambda p: any(a in ("Gaël Varoquaux", "Gael Varoquaux") for a in p["authors"]))
    add("accent-varoquaux", "Are there any papers by Gaël Varoquaux?", titles(g),
        "No paper in the collection lists Gaël Varoquaux as an author (author lists are only available for 15 papers).",
        ["0"])

    # 25 solo-authored
    g = sel(lambda p: p.get("author_count") == 1)
    add("solo", "Which papers are solo-authored?", titles(g),
        f"{len(g)} papers have exactly one author: {listing(g)}.", [str(len(g))])

    # 26 more than ten authors
    g = sel(lambda p: (p.get("author_count") or 0) > 10)
    add("more-than-ten-authors", "Is there any paper with more than ten authors?", titles(g),
        f"Only {listing(g)}, with {g[0]['author_count']} authors." if g else "None.",
        [str(g[0]["author_count"])] if g else ["0"])

    # 27 exactly two authors
    g = sel(lambda p: p.get("author_count") == 2)
    add("two-authors", "How many papers were written by exactly two people?", titles(g),
        f"{len(g)} papers have exactly two authors (counting only papers whose author count is known): {listing(g)}.",
        [str(len(g))])

    # 28 most frequent authors
    ac = Counter(a for p in cat for a in p["authors"])
    top_auth = ac.most_common()
    second = [a for a, n in top_auth if n == top_auth[1][1]]
    add("top-authors", "Who are the most frequent authors in the collection?", [],
        f"{top_auth[0][0]} by far, with {top_auth[0][1]} papers, then {', '.join(second)} with {top_auth[1][1]}; "
        f"{', '.join(a for a, n in top_auth if n == 2)} have 2 each "
        f"(author lists are available for only {sum(1 for p in cat if p['authors'])} papers).",
        [top_auth[0][0], str(top_auth[0][1]), second[0], str(top_auth[1][1])])

    # 29 topic + extreme: earliest dated in-context-learning paper
    icl = re.compile(r"in-context learn|in-context learner|\bICL\b|learn in context", re.I)
    cand = [p for p in cat if icl.search(text(p)) and pdate(p)]
    first = min(cand, key=pdate)
    add("earliest-icl", "What's the earliest dated paper on in-context learning?", [first["title"]],
        f"{first['title']} ({pdate(first).isoformat()}); the other dated in-context-learning papers are later: "
        + "; ".join(f"{p['title']} ({p['published']})" for p in sorted(cand, key=pdate)[1:]) + ".",
        [pdate(first).strftime("%b %-d, %Y")])

    # 30 topic + date: 2025 papers about LLMs / language models
    llm = re.compile(r"\bLLMs?\b|language model", re.I)
    g = sel(lambda p: pdate(p) is not None and pdate(p).year == 2025 and llm.search(text(p)))
    add("llm-2025", "which 2025 papers deal with large language models?", titles(g),
        f"{len(g)} papers from 2025 are about (large) language models: {listing(g)}.", [str(len(g))])

    assert len(qs) == 30, len(qs)
    return qs


if __name__ == "__main__":
    qs = main()
    assert len({q["id"] for q in qs}) == 30
    with open(OUT, "w") as f:
        for q in qs:
            f.write(json.dumps(q, ensure_ascii=False) + "\n")
    print(f"wrote {len(qs)} questions to {OUT}")
    for q in qs:
        print(q["id"], len(q["gold_titles"]), q["key_facts"], "|", q["reference_answer"][:160])
