// Writes wordpiece_xenova.json and bpe_xenova.json: the output of
// @xenova/transformers (a JavaScript port of Hugging Face tokenizers) on
// wp_tokenizer.json and bpe_tokenizer.json, which cairn's text package wrote
// (CAIRN_UPDATE_FIXTURES=1 go test -run TestWriteFixtures ./text).
//
// Install the dependency outside the repository, then run from this directory:
//
//   mkdir -p /tmp/tokjs && cd /tmp/tokjs && npm init -y && npm install --ignore-scripts @xenova/transformers@2.17.2
//   node xenova_parity.mjs      # XENOVA=<dir of the package's src/> if not under /tmp/tokjs
//
// Only src/tokenizers.js and src/env.js are imported (the package entry point
// also loads the native image library sharp, which --ignore-scripts skips).
//
// No network access is needed: the tokenizers are built from the local JSON.
import { readFileSync, writeFileSync } from 'node:fs';

const src = process.env.XENOVA ?? '/tmp/tokjs/node_modules/@xenova/transformers/src';
const { PreTrainedTokenizer } = await import(`${src}/tokenizers.js`);
const { env } = await import(`${src}/env.js`);
env.allowRemoteModels = false;

const load = (f) => new PreTrainedTokenizer(JSON.parse(readFileSync(f, 'utf8')), {});
const arr = (t) => Array.from(t.data, Number);

// WordPiece: sentences where the JS port follows BERT (it strips only
// U+0300–U+036F marks and treats CJK by UTF-16 unit, so no astral CJK here).
const wp = load('wp_tokenizer.json');
const wpCases = [
  ['Hello, world! How are you?', ''],
  ['The café served crème brûlée.', 'Unaffable running jumped'],
  ['我喜欢北京。Tokyo 東京', 'xyzzyqq Ωmega'],
  ['Control\u0000chars\u0007 here\ttab\r\nnewline\u200b!', ''],
  ['$100.50 (approx.) -- e-mail: foo@bar.com', '“Quotes” ‘single’ — dash … ellipsis'],
  ['Ünïcödé naïve résumé', "don't stop\u00a0me\u3000now"],
  ['a'.repeat(101) + ' ok', 'a'.repeat(100)],
];
const wpOut = wpCases.map(([text, pair]) => {
  const e = wp(text, { text_pair: pair || null, return_token_type_ids: true });
  return { text, pair, input_ids: arr(e.input_ids), token_type_ids: arr(e.token_type_ids), attention_mask: arr(e.attention_mask) };
});
writeFileSync('wordpiece_xenova.json', JSON.stringify({ source: 'wp_tokenizer.json', cases: wpOut }, null, 1) + '\n');

// Byte-level BPE.
const bpe = load('bpe_tokenizer.json');
const bpeCases = [
  'First Citizen:\nBefore we proceed any further, hear me speak.',
  "I'm sure they'll say you've done it; we'd SEE, 'tis true.",
  'Numbers 12345 and 3.14159, plus  two   spaces\tand\ttabs.\n\n\nEnd  ',
  'Ünïcödé naïve résumé — “quotes” 東京 😀 emoji',
  '   leading spaces and trailing spaces   ',
  "MENENIUS:\nWhat's the matter, you dissentious rogues,\nThat, rubbing the poor itch of your opinion,\nMake yourselves scabs?",
  "x'S 'RE ''ll '' '",
  '',
];
const bpeOut = bpeCases.map((text) => {
  const ids = bpe.encode(text, null, { add_special_tokens: false });
  return { text, ids, decoded: ids.length ? bpe.decode(ids) : '' };
});
writeFileSync('bpe_xenova.json', JSON.stringify({ source: 'bpe_tokenizer.json', cases: bpeOut }, null, 1) + '\n');
console.log(`wrote ${wpOut.length} WordPiece and ${bpeOut.length} BPE cases`);

// GPT-2 pre-tokenizer pattern on random strings (JS regex with lookahead),
// for cairn's hand-written matcher. U+0085 and U+FEFF are left out: JS \s
// differs from Unicode White_Space on them.
const pattern = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
const alphabet = ["a", "Z", "é", "東", "1", "٣", "'", "s", "t", "r", "e", "v", "m", "l", "d", " ", " ", "\t", "\n", "\u3000", "\u00a0", "!", ".", "😀", "-", "_"];
let seed = 12345;
const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
const splitCases = [];
for (let i = 0; i < 300; i++) {
  const n = 1 + Math.floor(rnd() * 12);
  let s = '';
  for (let j = 0; j < n; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
  splitCases.push({ text: s, pieces: s.match(pattern), bpe_ids: bpe.encode(s, null, { add_special_tokens: false }) });
}
writeFileSync('gpt2split_js.json', JSON.stringify(splitCases) + '\n');
