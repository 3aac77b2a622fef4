package text

// Tokenizer is what the pre-training code needs from any tokenizer.
//
// Encode never adds special tokens; sequence-level wrappers such as
// [WordPiece.EncodePair] do. Decode(Encode(s)) gives s back exactly for
// [BPE] and, up to unknown runes, for [Char]; for [WordPiece] it gives the
// normalized, space-joined words.
type Tokenizer interface {
	// Encode returns the token ids of s.
	Encode(s string) []int
	// Decode turns ids back into text. Out-of-range ids are skipped.
	Decode(ids []int) string
	// VocabSize returns the number of ids, so ids are in [0, VocabSize()).
	VocabSize() int
	// TokenID returns the id of a token string and whether it exists.
	TokenID(tok string) (int, bool)
	// Token returns the string of id, or "" if id is out of range.
	Token(id int) string
	// Special returns the ids of the special tokens; absent ones are -1.
	Special() Special
}

// Special holds the ids of the special tokens of a vocabulary, -1 when the
// vocabulary has no such token. BERT vocabularies use [PAD] [UNK] [CLS]
// [SEP] [MASK]; RoBERTa/GPT-style ones use <pad> <unk> <s> </s> <mask>, where
// <s> serves as both CLS and BOS and </s> as both SEP and EOS. GPT-2's
// <|endoftext|> serves as BOS and EOS.
type Special struct {
	PAD, UNK, CLS, SEP, MASK, BOS, EOS int
}

// SpecialFromVocab finds the special tokens of v by their usual names.
func SpecialFromVocab(v *Vocab) Special {
	first := func(names ...string) int {
		for _, n := range names {
			if id, ok := v.ID(n); ok {
				return id
			}
		}
		return -1
	}
	return Special{
		PAD:  first("[PAD]", "<pad>"),
		UNK:  first("[UNK]", "<unk>"),
		CLS:  first("[CLS]", "<s>"),
		SEP:  first("[SEP]", "</s>"),
		MASK: first("[MASK]", "<mask>"),
		BOS:  first("<s>", "<|endoftext|>", "[CLS]"),
		EOS:  first("</s>", "<|endoftext|>", "[SEP]"),
	}
}

// IsSpecial reports whether id is one of the special ids.
func (s Special) IsSpecial(id int) bool {
	if id < 0 {
		return false
	}
	return id == s.PAD || id == s.UNK || id == s.CLS || id == s.SEP || id == s.MASK || id == s.BOS || id == s.EOS
}
