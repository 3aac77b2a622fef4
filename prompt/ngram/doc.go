// Package ngram is a word n-gram language model with interpolated modified
// Kneser-Ney smoothing, trained from text, read from and written to ARPA
// files, and usable as a prompt.LM: the offline language model of cairn's
// prompting methods.
//
// # Overview
//
// Train estimates a model the way KenLM's lmplz (without pruning) and
// SRILM's ngram-count -interpolate -kndiscount do (Chen & Goodman 1998):
// adjusted (continuation) counts, three discounts per order from the
// count-of-counts, interpolation down to a uniform distribution over the
// vocabulary. The model is kept in ARPA backoff form, in which such a model
// is exact, so WriteARPA and ReadARPA round-trip it and models built by
// KenLM or SRILM load and score as they do there.
//
//	m, err := ngram.Train(sentences, 4, ngram.Options{})
//	lp := m.LogProb([]string{ngram.BOS, "show", "me"}, "flights")
//	total, perToken := m.SentenceLogProb([]string{"show", "me", "flights"})
//	err = m.Save("atis.arpa")
//
// # Conventions
//
// Words are white-space-free strings; the model adds <s> (BOS) before and
// </s> (EOS) after every sentence and maps words outside its vocabulary to
// <unk> (Unk), in histories and predicted words alike. <s> is only a
// context: its probability is not modelled (-99 in ARPA files), and the
// probabilities after any history sum to one over the vocabulary with </s>
// and without <s>.
//
// Log10Prob and the ARPA files use base-10 logs; LogProb,
// SentenceLogProb and the prompt.LM methods use natural logs.
//
// # Degenerate counts
//
// Chen & Goodman's discount estimate needs n-grams with adjusted counts 1,
// 2, 3 and 4 at each order, and gives discounts outside [0, k] on odd
// count-of-counts. When either happens for an order, Train uses
// Options.DiscountFallback for it (by default 0.5, 1, 1.5, KenLM's
// --discount_fallback), so tiny corpora train without NaN or infinities.
//
// # As a prompt.LM
//
// Score is the n-gram log-probability of the continuation's words after
// <s> and the prefix's words (and of </s> with EndOfSentence). Generate and
// Chat are the deterministic "rescoring responder": they parse the last
// numbered N-best list of the prompt (or of the last user message) and
// return the hypothesis the model scores best, so every prompting pipeline
// runs end to end without a network; without a list they return an error
// wrapping prompt.ErrUnsupported.
package ngram
