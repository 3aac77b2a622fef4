// Package text turns strings into token ids and back.
//
// # Overview
//
// Four tokenizers share the [Tokenizer] interface so that pre-training code
// can stay tokenizer-agnostic:
//
//   - [WordPiece]: BERT's basic tokenizer ([BasicTokenizer]: text cleaning,
//     optional lower-casing with NFD accent stripping, punctuation and CJK
//     splitting) followed by greedy longest-match-first WordPiece with the
//     "##" continuation prefix. [WordPiece.EncodePair] builds
//     [CLS] a [SEP] b [SEP] inputs with truncation, token type ids, an
//     attention mask and byte offsets into the input.
//   - [BPE]: GPT-2 style byte-level BPE. Any byte string, valid UTF-8 or not,
//     round-trips through Encode and Decode.
//   - [Char]: one token per rune.
//
// Vocabularies are learned deterministically by [WordPieceTrainer],
// [BPETrainer] and [TrainChar]: the same corpus and settings give the same
// vocabulary. Files: vocab.txt ([ReadVocabTxt]), GPT-2 vocab.json and
// merges.txt ([ReadBPEFiles]) and Hugging Face tokenizer.json for WordPiece
// and BPE models ([ReadTokenizerJSON], [WriteTokenizerJSON]). Readers return
// errors, never panic, on malformed files.
//
// Accent stripping uses golang.org/x/text/unicode/norm (NFD).
//
// Parity: WordPiece output equals google-research/bert's FullTokenizer
// algorithm (testdata/bert_ref.py) and @xenova/transformers, a JavaScript
// port of Hugging Face tokenizers (testdata/xenova_parity.mjs); byte-level
// BPE ids equal @xenova/transformers on a tokenizer.json written by
// [BPETrainer].
//
// Known differences from the references: special tokens written literally in
// the input text (for example "[MASK]") are not matched as added tokens; they
// are tokenized like any other text, as in google-research/bert.
package text
