"""Writes qa_bleu_parity.json: the MLQA normaliser and F1 (the logic of
facebookresearch/MLQA mlqa_evaluation_v1.py, restated) and sacreBLEU's 13a
tokeniser regular expressions, run by CPython on test strings, for the Go
parity tests in qa_test.go and bleu_test.go. Run: python3 qa_bleu_parity.py"""
import json, re, string, sys, unicodedata
from collections import Counter

PUNCT = {chr(i) for i in range(sys.maxunicode) if unicodedata.category(chr(i)).startswith('P')} | set(string.punctuation)
ARTICLES = {
    'en': r'\b(a|an|the)\b',
    'es': r'\b(un|una|unos|unas|el|la|los|las)\b',
    'vi': r'\b(của|là|cái|chiếc|những)\b',
    'de': r'\b(ein|eine|einen|einem|eines|einer|der|die|das|den|dem|des)\b',
}

def segment_zh(text):
    out, run = [], ''
    for ch in text:
        if re.search(r'[\u4e00-\u9fa5]', ch) or ch in PUNCT:
            out.extend(run.split()); run = ''
            out.append(ch)
        else:
            run += ch
    out.extend(run.split())
    return out

def normalize(s, lang):
    s = ''.join(ch for ch in s.lower() if ch not in PUNCT)
    if lang in ARTICLES:
        s = re.sub(ARTICLES[lang], ' ', s)
    elif lang == 'ar':
        s = re.sub('\\sال^|ال', ' ', s)
    toks = segment_zh(s) if lang == 'zh' else s.split()
    return ' '.join(t for t in toks if t.strip() != '')

def f1(pred, gold, lang):
    p, g = normalize(pred, lang).split(), normalize(gold, lang).split()
    same = sum((Counter(p) & Counter(g)).values())
    if same == 0:
        return 0.0
    pr, rc = same / len(p), same / len(g)
    return 2 * pr * rc / (pr + rc)

def tok13a(line):
    line = line.replace('<skipped>', '').replace('-\n', '').replace('\n', ' ')
    if '&' in line:
        line = line.replace('&quot;', '"').replace('&amp;', '&').replace('&lt;', '<').replace('&gt;', '>')
    line = ' ' + line + ' '
    for pat, rep in [(r'([\{-\~\[-\` -\&\(-\+\:-\@\/])', r' \1 '), (r'([^0-9])([\.,])', r'\1 \2 '),
                     (r'([\.,])([^0-9])', r' \1 \2'), (r'([0-9])(-)', r'\1 \2 ')]:
        line = re.sub(pat, rep, line)
    return line.split()

qa = [
    ('en', 'The Eiffel Tower, in Paris!', 'the eiffel tower'),
    ('en', 'An apple—a day… keeps “the” doctor away', 'apple day doctor'),
    ('en', 'Theatre of the absurd (1950s)', 'the theatre absurd 1950s'),
    ('es', 'Los Ángeles y la ciudad', 'los angeles'),
    ('de', 'Die Stadt der Dichter, das Land', 'stadt dichter'),
    ('vi', 'Những cái bàn của tôi là đẹp', 'bàn tôi đẹp'),
    ('ar', 'الكتاب في المكتبة.', 'كتاب المكتبة'),
    ('hi', 'भारत की राजधानी। नई दिल्ली', 'नई दिल्ली'),
    ('zh', '埃菲尔铁塔，位于巴黎。', '埃菲尔铁塔'),
    ('zh', '2008年北京Olympic Games奥运会', '北京 olympic games'),
    ('zh', '约 1,500 万人', '1500万'),
    ('el', 'ΟΔΟΣ ΑΘΗΝΑΣ, Σ. ΟΔΟΣ', 'οδος αθηνας'),
    ('tr', 'İstanbul ve IĞDIR', 'istanbul'),
    ('ru', 'Москва — столица России', 'столица россии'),
    ('en', 'under_score a_b and x\u00a0y\u2003z', 'under score x y z'),
]
bleu = [
    'Hello, world.', "It's $5-6 (3.14 or 1,000).", 'a.b,c 1.a a.1 ,, .. 1-2-3 -1- x-y',
    'e.g. U.S.A. 3.5% 10,000,000. end.', '&quot;quoted&quot; &amp; &lt;tag&gt; <skipped> ok',
    'line-\nbreak and\nnewline', '{braces} [brackets] ^caret~ `tick` |pipe| @at #hash',
    'Über 2.000 Menschen, d.h. 50,5 %.', '中文，句子。 mixed.2 text', '  spaced   out  ',
]
out = {
    'qa': [{'lang': l, 'pred': p, 'gold': g, 'norm_pred': normalize(p, l), 'norm_gold': normalize(g, l),
            'f1': f1(p, g, l)} for l, p, g in qa],
    'tok13a': [{'in': s, 'tokens': tok13a(s)} for s in bleu],
    'python': sys.version.split()[0],
    'unicode': unicodedata.unidata_version,
}
with open('qa_bleu_parity.json', 'w', encoding='utf-8') as f:
    json.dump(out, f, ensure_ascii=False, indent=1)
