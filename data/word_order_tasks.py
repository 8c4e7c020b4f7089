"""Word-order multiple-choice tasks from the held-out texts: a sentence of 6-16 words and three
versions of it with two of its words swapped; the model should prefer the original. Every choice
has the same characters, so the length normalisation of the scoring cannot give the answer away.
Writes tasks-en-word-order.jsonl (from en-heldout.txt.gz) and tasks-ru-word-order.jsonl (from
ru-heldout.txt.gz). Run: python3 data/word_order_tasks.py (rebuild.py runs it too)."""
import gzip, json, pathlib, random, re

HERE = pathlib.Path(__file__).parent
QUESTION = {"en": "Which sentence is written in correct English?\nAnswer:", "ru": "Какое предложение написано на правильном русском языке?\nОтвет:"}


def sentences(path: pathlib.Path) -> list[str]:
    text = gzip.open(path, "rt", encoding="utf-8").read()
    found = []
    for paragraph in text.split("\n\n"):
        for sentence in re.split(r"(?<=[.!?])\s+", " ".join(paragraph.split())):
            words = sentence.split(" ")
            if 6 <= len(words) <= 16 and sentence[-1] in ".!?" and sentence[0].isupper() and not re.search(r"[/\\<>{}\[\]_=|#@$%*]", sentence):
                found.append(sentence)
    return list(dict.fromkeys(found))


def swapped(words: list[str], rng: random.Random) -> str:
    # The final punctuation stays on the last word's place; two distinct words change places.
    core = [w.rstrip(".!?") for w in words]
    end = words[-1][len(core[-1]):]
    while True:
        i, j = sorted(rng.sample(range(len(core)), 2))
        if core[i].lower() != core[j].lower():
            break
    core[i], core[j] = core[j], core[i]
    core[0] = core[0][:1].upper() + core[0][1:]
    return " ".join(core) + end


def tasks(language: str, count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    pool = sentences(HERE / f"{language}-heldout.txt.gz")
    rng.shuffle(pool)
    out = []
    for sentence in pool:
        words = sentence.split(" ")
        original = " ".join(words)
        distractors: list[str] = []
        for _ in range(20):
            candidate = swapped(words, rng)
            if candidate != original and candidate not in distractors:
                distractors.append(candidate)
            if len(distractors) == 3:
                break
        if len(distractors) < 3:
            continue
        choices = distractors + [original]
        rng.shuffle(choices)
        out.append({"id": f"{language}-word-order-{len(out):04d}", "lang": language, "question": QUESTION[language], "choices": choices, "answer": choices.index(original)})
        if len(out) == count:
            break
    return out


def main() -> None:
    for language, seed in (("en", 7), ("ru", 8)):
        rows = tasks(language, 300, seed)
        (HERE / f"tasks-{language}-word-order.jsonl").write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
        print(f"tasks-{language}-word-order.jsonl: {len(rows)} tasks")


if __name__ == "__main__":
    main()
