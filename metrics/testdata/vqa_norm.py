# Writes vqa_norm.json: inputs and the outputs of the official VQA answer
# normalisation (GT-Vision-Lab/VQA, PythonEvaluationTools/vqaEvaluation/
# vqaEval.py, processPunctuation and processDigitArticle, ported line for
# line to Python 3; re.UNICODE is passed as the count, as in the original).
# Inputs are ASCII plus U+2019, where Python 2 and 3 agree.
# Run: python3 metrics/testdata/vqa_norm.py > metrics/testdata/vqa_norm.json
import json, re, random

contractions = {"dont": "don\u2019t", "weve": "we've", "wheres": "where's", "twas": "\u2019twas", "cant": "can't", "Im": "I\u2019m"}
manualMap = {'none': '0', 'zero': '0', 'one': '1', 'two': '2', 'three': '3', 'four': '4', 'five': '5', 'six': '6', 'seven': '7', 'eight': '8', 'nine': '9', 'ten': '10'}
articles = ['a', 'an', 'the']
periodStrip = re.compile(r"(?!<=\d)(\.)(?!\d)")
commaStrip = re.compile(r"(\d)(\,)(\d)")
punct = [';', ':', r"/", r"'", '[', ']', '"', '(', ')', '=', '+', '\\', '_', '>', '<', '@', '`', ',', '?']

def processPunctuation(inText):
    outText = inText
    for p in punct:
        if (p + ' ' in inText or ' ' + p in inText) or (re.search(commaStrip, inText) != None):
            outText = outText.replace(p, '')
        else:
            outText = outText.replace(p, ' ')
    outText = periodStrip.sub("", outText, re.UNICODE)
    return outText

def processDigitArticle(inText):
    outText = []
    for word in inText.lower().split():
        word = manualMap.setdefault(word, word)
        if word not in articles:
            outText.append(word)
    for i, word in enumerate(outText):
        if word in contractions:
            outText[i] = contractions[word]
    return ' '.join(outText)

def norm(a):
    a = a.replace('\n', ' ').replace('\t', ' ').strip()
    return processDigitArticle(processPunctuation(a))

cases = ["Two", "The dog", "yes.", "3.5", "u.s.", "don't", "x-ray", "hello!", "1,000", "red, white",
         "red,white", "a man's hat", "What?", "no. 5", "Ten dogs", "it is 2.5.", "dont", "DONT", "weve",
         "twas", "cant", "Im", "im", "  A\tbig\ndog  ", "(left)", "( left )", "a/b", "a / b", "3,5 and a,b",
         "x" + "." * 40, "." * 40 + "1", "none of them", "an apple", "The The", "1.000.000", "wheres",
         "@home", "c++", "r&b", "'quoted'", "it's 12:30", "Yes, it is.", "semi;colon", "under_score", "1 ,2"]
rng = random.Random(7)
alphabet = "ab1 .,'?:-!T/" 
for _ in range(200):
    cases.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))))
print("[\n" + ",\n".join(json.dumps([c, norm(c)], ensure_ascii=False) for c in cases) + "\n]")
