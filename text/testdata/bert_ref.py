"""Writes wordpiece_bert.json: the reference output of BERT's tokenizer.

This is an independent Python re-implementation of the algorithm of
google-research/bert tokenization.py (FullTokenizer = BasicTokenizer +
WordpieceTokenizer), written from its description; it uses only the Python
standard library (unicodedata). Run from this directory:

    python3 bert_ref.py

It reads vocab.txt and sentences.json and writes wordpiece_bert.json with,
for each sentence and for lower in (True, False), the tokens and ids.
"""
import json
import unicodedata


def load_vocab(path):
    vocab = {}
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            vocab[line.rstrip("\n")] = i
    return vocab


def is_whitespace(c):
    if c in " \t\n\r":
        return True
    return unicodedata.category(c) == "Zs"


def is_control(c):
    if c in "\t\n\r":
        return False
    return unicodedata.category(c).startswith("C")


def is_punctuation(c):
    cp = ord(c)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(c).startswith("P")


def is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def basic(text, lower):
    # clean: drop NUL, U+FFFD and control characters; whitespace -> " "
    cleaned = []
    for c in text:
        cp = ord(c)
        if cp == 0 or cp == 0xFFFD or is_control(c):
            continue
        cleaned.append(" " if is_whitespace(c) else c)
    # CJK characters become their own words
    spaced = []
    for c in "".join(cleaned):
        spaced.append(" " + c + " " if is_cjk(ord(c)) else c)
    out = []
    for tok in "".join(spaced).split():
        if lower:
            tok = tok.lower()
            tok = "".join(c for c in unicodedata.normalize("NFD", tok)
                          if unicodedata.category(c) != "Mn")
        # split off each punctuation character
        cur = ""
        for c in tok:
            if is_punctuation(c):
                if cur:
                    out.append(cur)
                    cur = ""
                out.append(c)
            else:
                cur += c
        if cur:
            out.append(cur)
    return " ".join(out).split()


def wordpiece(words, vocab, unk="[UNK]", max_chars=100):
    out = []
    for w in words:
        if len(w) > max_chars:
            out.append(unk)
            continue
        start, subs, bad = 0, [], False
        while start < len(w):
            end, cur = len(w), None
            while start < end:
                s = w[start:end]
                if start > 0:
                    s = "##" + s
                if s in vocab:
                    cur = s
                    break
                end -= 1
            if cur is None:
                bad = True
                break
            subs.append(cur)
            start = end
        out.extend([unk] if bad else subs)
    return out


def main():
    vocab = load_vocab("vocab.txt")
    sentences = json.load(open("sentences.json", encoding="utf-8"))
    cases = []
    for lower in (True, False):
        for s in sentences:
            toks = wordpiece(basic(s, lower), vocab)
            cases.append({"text": s, "lower": lower, "tokens": toks,
                          "ids": [vocab[t] for t in toks]})
    with open("wordpiece_bert.json", "w", encoding="utf-8") as f:
        json.dump({"vocab": "vocab.txt", "cases": cases}, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
