"""A synthetic collection for the scale benchmarks: N abstracts in the arXiv metadata-snapshot JSONL schema.

    python -m bench.synth --n 10000 --seed 1 --out /tmp/synth-10k.jsonl

Every record is built from the bundled abstracts (`data/corpus`): a sentence shape is a real sentence of a
real abstract (first, middle or last), whose content words are replaced by words of the same shape (suffix,
hyphen, capitalisation) drawn mostly from one real "seed" paper's vocabulary and some from two others, so
each synthetic paper reads like a neighbour of a real one and competes with it in retrieval. A name that
only one real paper uses (FireQ, STARC) is never copied: a made-up name takes its place, as in a real
collection where a system's name belongs to its paper. Numbers are redrawn with the same digit shape.

Metadata: `update_date` over 2019-2026 (more papers in later years, a few records without a date), an
arXiv-style `id`, a primary category with cross-lists, 1-30 authors (`authors` as "A, B and C" and
`authors_parsed`), `versions`. Abstract lengths follow the bundled ones, plus a long tail: about 3% very
short (12-60 words) and 3% very long (350-1600 words).

The 186 real papers are mixed in at seeded positions, as JSONL records too (their metadata as parsed; upvotes
and code badges have no field in the schema), so the eval's gold papers stay findable among distractors.
`--n` counts the synthetic records; the file holds N + 186. Same seed, same bytes.
"""

from __future__ import annotations

import argparse
import calendar
import json
import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.models import Paper
from rag.parsing import discover_files, merge_papers, normalize_title, parse_path
from rag.settings import BUNDLED_CORPUS


def words(text: str) -> list[str]:
    return text.split()


FUNCTION_WORDS = frozenset(
    words(
        """a an the of in on for to and or but nor with by from as at into onto over under up down out off
        we our us ours this that these those it its itself is are was were be been being has have had
        having do does did can could may might will would should must shall not no than then thus hence
        therefore which who whom whose what where when while whereas although though if unless whether
        also both either neither each every all any some such more most less least many much few fewer
        very only even just further however moreover furthermore specifically particularly notably here
        there via per between among across through during without within upon about against towards
        toward beyond above below around along after before since until so yet still often usually
        typically well first second third one two three four five new novel how why their them they he
        she his her i.e. e.g. et al. al i e g vs versus like"""
    )
)
# (ending, class) tried in order: a replacement word ends the same way, so "-ization" stays a noun.
SUFFIXES = (
    "izations", "ization", "ations", "ation", "tions", "tion", "sions", "sion", "nesses", "ness", "ments",
    "ment", "ities", "ity", "ings", "ing", "ed", "ly", "ically", "ical", "ally", "al", "ives", "ive", "ables",
    "able", "ible", "ous", "ics", "ic", "ers", "er", "ors", "or", "ists", "ist", "isms", "ism", "ies", "es",
    "s", "y",
)  # fmt: skip
PRIMARY = (
    ("cs.LG", 24), ("cs.CV", 20), ("cs.CL", 16), ("cs.AI", 8), ("stat.ML", 7), ("cs.RO", 4), ("cs.CR", 3),
    ("cs.IR", 2), ("math.OC", 2), ("eess.IV", 2), ("eess.SP", 1), ("cs.NE", 1), ("cs.SE", 1), ("cs.HC", 1),
    ("cs.DS", 1), ("cs.GT", 1), ("quant-ph", 1), ("physics.comp-ph", 1), ("q-bio.QM", 1), ("math.ST", 1),
)  # fmt: skip
CROSS = ("cs.LG", "cs.AI", "stat.ML", "cs.CV", "cs.CL", "math.OC", "cs.NE", "eess.IV", "cs.IT", "math.PR")
YEARS = {2019: 7, 2020: 8, 2021: 10, 2022: 11, 2023: 13, 2024: 15, 2025: 17, 2026: 19}
FIRST_NAMES = words(
    """Aarav Abebe Adaeze Ahmed Aiko Aisha Alejandro Alessandro Alexei Amara Ana Andrea Anika Ankit Anna
    Arjun Astrid Ayumi Bao Beatriz Benjamin Camila Carlos Chen Chiara Chinedu Chloe Daniel Daniela Dawit David
    Deepika Diego Dmitri Elena Elif Emeka Emily Emma Fatima Felipe Fernando Florian Gabriel Giulia Hana Hannah
    Hao Haruto Hiroshi Ibrahim Ines Ingrid Isabel Ivan Jakub Jia Jiahui Jian Jin Jonas Jorge Joseph Julia
    Junho Kai Kamal Karim Katarzyna Kenji Kwame Lakshmi Lars Laura Lei Leila Li Liam Lin Lucas Lucia Luis Maja
    Malik Mao Marco Maria Mariam Mateo Mei Mehmet Meng Michael Min Ming Mohammed Nadia Naoki Nikhil Nina Noah
    Olga Omar Oscar Pablo Pedro Peng Pooja Priya Qiang Rafael Rahul Ravi Rui Sakura Samuel Sara Sebastian
    Seo-yeon Sergei Shreya Sofia Soo-min Sun Takeshi Tao Thomas Tomasz Valentina Vikram Wei Xin Xinyu Yan
    Yara Yasmin Yi Ying Yong Yu Yuki Yusuf Zainab Zhang Zhen Zhi Zoe"""
)
LAST_NAMES = words(
    """Abbasi Adeyemi Agarwal Ahn Ali Almeida Alvarez Andersen Bae Banerjee Becker Bergstrom Bianchi
    Bose Brown Cai Campbell Cao Carvalho Castillo Chakraborty Chang Chatterjee Chen Cheng Choi Chowdhury
    Costa Cruz Dang Das Davies Deng Diaz Dubois Edwards Eriksson Fang Feng Fernandes Ferrari Fischer Fu Gao
    Garcia Ghosh Gomez Gonzalez Gupta Han Hashimoto He Hernandez Hoang Hoffmann Hu Huang Hussain Ito Iyer
    Jain Jang Jensen Jiang Jin Johansson Jung Kang Kato Khan Kim Kobayashi Kowalski Kumar Kuznetsov Lee Li
    Liang Lin Liu Lopez Lu Luo Ma Mehta Meyer Moreau Morozov Mukherjee Muller Murphy Nakamura Nguyen Novak
    Okafor Okonkwo Oliveira Ortiz Pan Park Patel Peng Pereira Petrov Pham Popescu Qian Qin Rahman Ramirez Rao
    Reddy Ren Rodriguez Romano Rossi Saito Santos Sato Schmidt Schneider Shah Shen Shi Silva Singh Smith Song
    Su Sun Suzuki Takahashi Tan Tanaka Tang Tran Tsai Vargas Volkov Wagner Wang Watanabe Weber Wei Wong Wu Xia
    Xie Xu Yamamoto Yang Yao Ye Yilmaz Yin Yu Yuan Zhang Zhao Zheng Zhou Zhu Zhuang Zou"""
)
SYLLABLES = (
    "ka",
    "ro",
    "vi",
    "lu",
    "ne",
    "to",
    "fa",
    "mi",
    "zo",
    "re",
    "da",
    "qu",
    "sen",
    "tra",
    "lin",
    "mor",
)

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[])")
_EDGE = re.compile(r"^([(\[\"'“]*)(.*?)([)\]\"'”.,;:!?]*)$")
_DIGIT = re.compile(r"\d")

Slot = tuple[str, str, str, str, str, str]  # (kind, key, case, prefix, suffix, the real word)
VERB_CUES = frozenset(words("we to can could may might will would should must also"))


@dataclass
class Vocabulary:
    """Content words of the real abstracts, by shape: globally, and per real paper (its topic)."""

    overall: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_paper: list[dict[str, list[str]]] = field(default_factory=list)
    firsts: list[list[Slot]] = field(default_factory=list)
    middles: list[list[Slot]] = field(default_factory=list)
    lasts: list[list[Slot]] = field(default_factory=list)
    titles: list[list[Slot]] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    first_names: list[str] = field(default_factory=list)
    last_names: list[str] = field(default_factory=list)


def shape_key(word: str) -> str:
    """The class a stand-in must share: 'regularization' -> 'ization', 'LLMs' -> 'NAME'."""
    if any(c.isupper() for c in word[1:]):
        return "NAME"
    low = word.lower()
    hyphen = "-" if "-" in low else ""
    for suffix in SUFFIXES:
        if low.endswith(suffix) and len(low) > len(suffix) + 2:
            return hyphen + suffix
    return hyphen + "_"


def _case(word: str, at_start: bool) -> str:
    if any(c.isupper() for c in word[1:]):
        return "keep"
    if word[:1].isupper():
        return "lower" if at_start else "title"
    return "lower"


def _template(text: str, proper: set[str]) -> list[Slot]:
    """A sentence (or title) as literal function words and punctuation, and slots for content words.

    A word right after "we", "to", "can" ... is keyed apart ("v" + its ending): it is a verb there, and its
    stand-in should be one too ("we propose", not "we regularization").
    """
    slots: list[Slot] = []
    previous = ""
    for n, token in enumerate(text.split()):
        m = _EDGE.match(token)
        prefix, core, suffix = (m.group(1), m.group(2), m.group(3)) if m else ("", token, "")
        if not core or core.lower() in FUNCTION_WORDS or not any(c.isalpha() for c in core):
            kind = "num" if _DIGIT.search(core) else "lit"
            slots.append((kind, core, "", prefix, suffix, core))
        elif _DIGIT.search(core):
            slots.append(("num", core, "", prefix, suffix, core))
        elif core in proper or shape_key(core) == "NAME":
            slots.append(("name", "NAME", "keep", prefix, suffix, core))
        else:
            key = ("v" if previous in VERB_CUES and not prefix else "") + shape_key(core)
            slots.append(("word", key, _case(core, n == 0), prefix, suffix, core))
        previous = "" if suffix else core.lower()
    return slots


def load_real_papers() -> list[Paper]:
    """The bundled papers, parsed by the project's own parser (read-only use)."""
    return merge_papers([parse_path(f) for f in discover_files([BUNDLED_CORPUS])])


def build_vocabulary(papers: list[Paper]) -> Vocabulary:
    vocab = Vocabulary()
    texts = [p.title + " " + p.abstract for p in papers]
    # a capitalised word never written in lower case mid-sentence is a proper name; names used by one
    # paper only are never copied into another (they would make a distractor share a paper's own name)
    lower_seen: set[str] = set()
    users: dict[str, set[int]] = defaultdict(set)
    for i, text in enumerate(texts):
        for token in text.split():
            core = _EDGE.match(token)
            word = core.group(2) if core else token
            if word.islower():
                lower_seen.add(word)
            users[word].add(i)
    proper = {w for w in users if w[:1].isupper() and w.lower() not in lower_seen}
    shared_names = {w for w in users if len(users[w]) >= 2 and (w in proper or shape_key(w) == "NAME")}
    vocab.overall["NAME"] = sorted(shared_names)
    for paper in papers:
        sentences = [s for s in _SENTENCE.split(paper.abstract) if s.strip()]
        shapes = [_template(s, proper) for s in sentences]
        title = _template(paper.title, proper)
        own: dict[str, list[str]] = defaultdict(list)
        for kind, key, _, _, _, word in (slot for shape in [title, *shapes] for slot in shape):
            if kind == "name" and word in shared_names:
                own["NAME"].append(word)
            elif kind == "word" and word.isascii() and word.replace("-", "").isalpha():
                own[key].append(word.lower())
        for key, words in own.items():
            if key != "NAME":
                vocab.overall[key].extend(words)
        vocab.by_paper.append(own)
        if shapes:
            vocab.firsts.append(shapes[0])
            vocab.lasts.append(shapes[-1])
            vocab.middles.extend(shapes[1:-1] or shapes[:1])
        vocab.titles.append(title)
        vocab.lengths.append(len(paper.abstract.split()))
        for name in paper.authors:
            parts = name.split()
            if len(parts) >= 2 and parts[0][-1:] != "." and parts[0].isalpha() and parts[-1].isalpha():
                vocab.first_names.append(parts[0])
                vocab.last_names.append(parts[-1])
    vocab.first_names = sorted(set(vocab.first_names) | set(FIRST_NAMES))
    vocab.last_names = sorted(set(vocab.last_names) | set(LAST_NAMES))
    return vocab


class Generator:
    """Synthetic records, one after another, from one seeded random stream."""

    def __init__(self, vocab: Vocabulary, seed: int, focus: float = 1.0) -> None:
        self.vocab = vocab
        self.rng = random.Random(seed)
        self.focus = focus
        self.titles: set[str] = set()
        self.ids: set[str] = set()
        self.author_weights = [6, 12, 16, 16, 13, 10, 7, 5, 3.5, 2.5] + [2.5 * 0.8**k for k in range(1, 21)]
        self.primary = [c for c, _ in PRIMARY]
        self.primary_w = [w for _, w in PRIMARY]

    # ----------------------------------------------------------------------------- text
    def made_up_name(self) -> str:
        rng = self.rng
        stem = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
        style = rng.random()
        if style < 0.4:
            return stem.capitalize()
        if style < 0.7:
            return stem[:3].capitalize() + stem[3:5].upper()
        return "".join(rng.choice("ABCDEFGHKLMNPRSTVX") for _ in range(rng.randint(3, 5)))

    def number(self, text: str) -> str:
        rng = self.rng
        out = []
        for i, c in enumerate(text):
            if c.isdigit():
                out.append(str(rng.randint(1 if i == 0 else 0, 9)))
            else:
                out.append(c)
        return "".join(out)

    def render(self, slots: list[Slot], topic: list[dict[str, list[str]]]) -> str:
        rng = self.rng
        overall = self.vocab.overall
        words = []
        for kind, key, case, prefix, suffix, _ in slots:
            if kind == "lit":
                text = key
            elif kind == "num":
                text = self.number(key)
            else:
                draw = rng.random()
                focus = self.focus
                pool = topic[0] if draw < 0.7 * focus else topic[1] if draw < 0.85 * focus else topic[2]
                if draw >= focus:
                    pool = overall
                bucket = pool.get(key) or overall.get(key) or overall.get(key.removeprefix("v"))
                if not bucket:
                    text = self.made_up_name() if kind == "name" else key
                elif kind == "name" and rng.random() < 0.5:
                    text = self.made_up_name()
                else:
                    text = rng.choice(bucket)
                    if case == "title":
                        text = text[:1].upper() + text[1:]
            words.append(prefix + text + suffix)
        sentence = " ".join(words)
        return sentence[:1].upper() + sentence[1:]

    def abstract(self, topic: list[dict[str, list[str]]]) -> str:
        rng, vocab = self.rng, self.vocab
        tail = rng.random()
        if tail < 0.03:
            target = rng.randint(12, 60)
        elif tail < 0.055:
            target = rng.randint(350, 800)
        elif tail < 0.06:
            target = rng.randint(800, 1600)
        else:
            target = max(40, int(rng.choice(vocab.lengths) * rng.uniform(0.6, 1.3)))
        sentences = [self.render(rng.choice(vocab.firsts), topic)]
        count = len(sentences[0].split())
        while count < target:
            shape = rng.choice(vocab.middles) if count < target * 0.8 else rng.choice(vocab.lasts)
            sentences.append(self.render(shape, topic))
            count += len(sentences[-1].split())
        return " ".join(sentences)

    def title(self, topic: list[dict[str, list[str]]]) -> str:
        for attempt in range(8):
            title = self.render(self.rng.choice(self.vocab.titles), topic)
            if attempt == 7:
                title = f"{self.made_up_name()}: {title}"
            key = normalize_title(title)
            if key and key not in self.titles:
                self.titles.add(key)
                return title
        return title  # pragma: no cover - eight collisions in a row (a duplicate is merged by ingest)

    # ----------------------------------------------------------------------------- metadata
    def authors(self) -> list[tuple[str, str]]:
        rng = self.rng
        count = rng.choices(range(1, 31), weights=self.author_weights)[0]
        people = []
        for _ in range(count):
            first = rng.choice(self.vocab.first_names)
            style = rng.random()
            if style < 0.08:
                first = first[0] + "."
            elif style < 0.12:
                first = f"{first} {rng.choice('ABCDEFGHJKLMNPRSTW')}."
            people.append((rng.choice(self.vocab.last_names), first))
        return people

    def record(self, serial: int) -> dict[str, Any]:
        rng = self.rng
        papers = self.vocab.by_paper
        topic = [rng.choice(papers), rng.choice(papers), rng.choice(papers)]
        year = rng.choices(list(YEARS), weights=list(YEARS.values()))[0]
        month = rng.randint(1, 12)
        day = rng.randint(1, calendar.monthrange(year, month)[1])
        arxiv_id = f"{year % 100:02d}{month:02d}.{serial % 100000:05d}"
        while arxiv_id in self.ids:
            arxiv_id = f"{year % 100:02d}{month:02d}.{rng.randint(0, 99999):05d}"
        self.ids.add(arxiv_id)
        primary = rng.choices(self.primary, weights=self.primary_w)[0]
        cross = [c for c in rng.sample(CROSS, rng.choice((0, 0, 1, 1, 2, 3))) if c != primary]
        people = self.authors()
        names = [f"{first} {last}" for last, first in people]
        created = f"{calendar.day_abbr[calendar.weekday(year, month, day)]}, {day} "
        created += (
            f"{calendar.month_abbr[month]} {year} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00 GMT"
        )
        versions = [{"version": f"v{v}", "created": created} for v in range(1, rng.choice((2, 2, 2, 3, 4)))]
        title = self.title(topic)
        record: dict[str, Any] = {
            "id": arxiv_id,
            "submitter": names[0],
            "authors": join_authors(names),
            "title": wrap(title, 70, "\n  "),
            "comments": rng.choice((None, None, "Accepted at a conference", f"{rng.randint(6, 40)} pages")),
            "journal-ref": None,
            "doi": None,
            "report-no": None,
            "categories": " ".join([primary, *cross]),
            "license": rng.choice((None, "http://arxiv.org/licenses/nonexclusive-distrib/1.0/")),
            "abstract": "  " + wrap(self.abstract(topic), 78, "\n") + "\n",
            "versions": versions,
            "update_date": f"{year:04d}-{month:02d}-{day:02d}",
            "authors_parsed": [[last, first, ""] for last, first in people],
        }
        if rng.random() < 0.005:
            del record["update_date"]  # a record the date filters cannot judge
        return record


def wrap(text: str, width: int, joiner: str) -> str:
    """Hard-wrap at spaces like the snapshot does; the parser collapses the whitespace again."""
    lines: list[str] = []
    line: list[str] = []
    size = 0
    for word in text.split(" "):
        if line and size + len(word) + 1 > width:
            lines.append(" ".join(line))
            line, size = [], 0
        line.append(word)
        size += len(word) + 1
    lines.append(" ".join(line))
    return joiner.join(lines)


def join_authors(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


CATEGORY = {"ML": "stat.ML", "OC": "math.OC"}


def real_record(paper: Paper, n: int) -> dict[str, Any]:
    """A bundled paper as a snapshot record: the fields the parser reads, as it parsed them."""
    record: dict[str, Any] = {
        "id": paper.external_id or f"bundled.{n:04d}",
        "submitter": paper.authors[0] if paper.authors else None,
        "authors": join_authors(paper.authors) if paper.authors else "",
        "title": paper.title,
        "comments": None,
        "journal-ref": None,
        "doi": None,
        "report-no": None,
        "categories": CATEGORY.get(paper.category, f"cs.{paper.category}") if paper.category else "",
        "license": None,
        "abstract": paper.abstract,
        "versions": [],
        "update_date": paper.published.isoformat() if paper.published else None,
    }
    if paper.authors_truncated:
        record["authors"] += " et al."  # no authors_parsed: the parser reads the truncation from the text
    elif paper.authors:
        record["authors_parsed"] = [
            [name.split()[-1], " ".join(name.split()[:-1]), ""] if " " in name else [name, "", ""]
            for name in paper.authors
        ]
    return record


def records(n: int, seed: int, include_real: bool = True, focus: float = 1.0) -> Iterator[dict[str, Any]]:
    """N synthetic records with the real papers (unless `include_real` is false) at seeded positions.

    `focus`: the share of content words drawn from the paper's three real "topic" papers (the rest from the
    whole vocabulary); 1.0 makes close neighbours of real papers, 0.0 papers with no topic of their own.
    """
    real = load_real_papers()
    vocab = build_vocabulary(real)
    gen = Generator(vocab, seed, focus)
    gen.titles.update(normalize_title(p.title) for p in real)
    gen.ids.update(p.external_id for p in real if p.external_id)
    where = random.Random(seed + 1)
    slots = sorted(where.randrange(n + 1) for _ in real) if include_real else []
    pending = list(enumerate(sorted(real, key=lambda p: p.id))) if include_real else []
    for serial in range(n + 1):
        while pending and slots and slots[0] == serial:
            slots.pop(0)
            n_real, paper = pending.pop(0)
            yield real_record(paper, n_real)
        if serial < n:
            yield gen.record(serial)


def write(path: Path, n: int, seed: int, include_real: bool = True, focus: float = 1.0) -> int:
    """Write the JSONL file; returns the number of records."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for record in records(n, seed, include_real, focus):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--n", type=int, required=True, help="Synthetic abstracts (the real 186 come on top)."
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--no-real", action="store_true", help="Leave the bundled papers out.")
    parser.add_argument(
        "--focus", type=float, default=1.0, help="Share of words from the paper's topic papers (0-1)."
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    count = write(args.out, args.n, args.seed, include_real=not args.no_real, focus=args.focus)
    size = args.out.stat().st_size / 2**20
    print(
        f"wrote {count} records ({size:.1f} MiB) to {args.out} in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
