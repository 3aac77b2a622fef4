"""Write parsers.json: the outputs of the released distilling step-by-step
rationale parsers (data_utils.py, _parse_llm_output, re-implemented below from
its description) on hand-made edge cases, and a SHA-256 digest of the parsed
(rationale, label) of every released completion, so that the Go ports can be
checked byte for byte. Run from the repository root with /usr/bin/python3:

    python3 distill/testdata/parsers.py [data dir, default ../shared/data/distill-sbs]
"""
import gzip
import hashlib
import json
import os
import re
import sys


def parse(task, o):
    if task == "cqa":
        head = o.split("Q:")[0].rstrip()
        r, l = head.split("So the answer is")  # raises on != 2 parts, as released
        r = r.rstrip()
        try:
            l = re.split(r"\(.\)", l)[1].strip()
            l = l if l[-1] != "." else l[:-1]
        except Exception:
            l = " "
        return r, l
    if task == "anli1":
        try:
            r, l = o.split("Premise:")[0].rstrip().split("So the answer is")
        except Exception:
            r, l = "", ""
        return r.rstrip(), l.lstrip()[:-1]
    if task == "esnli":
        r = o.split("Answer:")[0].rstrip()
        try:
            l = o.split("Answer: ")[1].split("Premise")[0].rstrip()
        except Exception:
            l = " "
        return r, l
    if task == "svamp":
        head = o.split("Q:")[0].rstrip()
        try:
            r, l = head.split("The answer is")
        except Exception:
            return " ", " "
        r = r.rstrip()
        try:
            l = re.search(r"\(.*\)", l).group(0)
        except Exception:
            l = " "
        return r, l
    raise ValueError(task)


CASES = {
    "cqa": [
        "Because. So the answer is (b) math problem.\n\nQ: next",
        "R \x1c\u3000 So the answer is (c) x.\x1c\nQ: y",
        "R. So the answer is (a) first (b) second",
        "R. So the answer is b.",
        "R. So the answer is (a) .",
        "R. So the answer is (a)   ",
        "R. So the answer is (\n) x",
        "R. So the answer is (é) café..",
        "R. So the answer is (a) x So the answer is (b) y",
        "no marker at all",
        "Q: So the answer is (a) x",
    ],
    "anli1": [
        "R. So the answer is contradiction.\n\nPremise: p",
        "R. So the answer is neutral",
        "R. So the answer is  \u00a0é",
        "R. So the answer is",
        "no answer",
        "a So the answer is b So the answer is c",
        "R \x1d So the answer is entailment.\x1f",
    ],
    "esnli": [
        "R.\nAnswer: neutral\n\nPremise: p",
        "R.\nAnswer: entailment\n\nPre",
        "R.\nAnswer:neutral",
        "no answer",
        "R. Answer: contradiction Premise Answer: x",
        "R\x1e\u2028\nAnswer: neutral\x1e",
    ],
    "svamp": [
        "Luke scored 84 points after 2 rounds. So he scored 84 points in 2 rounds. 84 / 2 = 42. The answer is (84 / 2).\n\nQ: next",
        "R. The answer is 42.",
        "R. The answer is (1 + (2 * 3)) and (4)",
        "R. The answer is (1 +\n 2)",
        "no answer",
        "a The answer is b The answer is (c)",
        "R \x1c The answer is ( 84.0 / 2.0 )",
    ],
}


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/distill-sbs"
    cases = []
    for task, outs in CASES.items():
        for o in outs:
            try:
                r, l = parse(task, o)
                cases.append({"task": task, "completion": o, "rationale": r, "label": l})
            except ValueError:
                cases.append({"task": task, "completion": o, "error": True})
    digests = {}
    for task, split in [("cqa", "train"), ("cqa", "test"), ("anli1", "valid"), ("anli1", "test"),
                        ("esnli", "valid"), ("esnli", "test")]:
        outs, k = [], 0
        while os.path.exists(f"{root}/{task}/llm/{split}_CoT_{k}.json.gz"):
            with gzip.open(f"{root}/{task}/llm/{split}_CoT_{k}.json.gz", "rt", encoding="utf-8") as f:
                outs += json.load(f)
            k += 1
        h = hashlib.sha256()
        for o in outs:
            r, l = parse(task, o)
            h.update(r.encode("utf-8") + b"\0" + l.encode("utf-8") + b"\0")
        digests[f"{task}/{split}"] = {"n": len(outs), "sha256": h.hexdigest()}
    with open("distill/testdata/parsers.json", "w", encoding="utf-8") as f:
        json.dump({"cases": cases, "digests": digests}, f, indent=1, ensure_ascii=True)
        f.write("\n")


if __name__ == "__main__":
    main()
