package pretrain

import (
	"fmt"
	"math/rand/v2"
)

// Pair is one sentence-pair example: Tokens = [CLS] A [SEP] B [SEP] with
// Segments 0 over [CLS] A [SEP] and 1 over B [SEP]. Label is 1 for a random
// next segment (NSP) or a swapped order (SOP), 0 for the actual
// continuation, as BERT and ALBERT store it; for classification
// (BatchPairs, PairTraining) it is the class id.
type Pair struct {
	Tokens, Segments []int
	Label            int
}

// PairConfig configures NSP and SOP pair construction; zero fields take
// BERT's defaults.
type PairConfig struct {
	Special Special
	// MaxSeqLen is the length of [CLS] A [SEP] B [SEP] (default 128).
	MaxSeqLen int
	// ShortSeqProb is the probability of a shorter target length, uniform
	// in [2, MaxSeqLen−3] (default 0.1); set it negative for never.
	ShortSeqProb float64
}

func (c PairConfig) withDefaults() PairConfig {
	if c.MaxSeqLen == 0 {
		c.MaxSeqLen = 128
	}
	if c.ShortSeqProb == 0 {
		c.ShortSeqProb = 0.1
	}
	if c.MaxSeqLen < 5 {
		panic(fmt.Sprintf("pretrain: PairConfig with MaxSeqLen %d (need ≥ 5)", c.MaxSeqLen))
	}
	return c
}

// NSP builds BERT's next-sentence-prediction pairs from document docIndex of
// docs (each document a list of segments, each segment a list of ids), as
// create_instances_from_document does: segments are gathered into chunks up
// to the target length; A is the first a_end segments of a chunk (a_end
// uniform in [1, len−1]); with probability 0.5, or always for a one-segment
// chunk, B is taken from a random start in another document (uniform over
// the other documents, where BERT retries ten times; with a single document
// it is that document) and the chunk's unused segments are put back;
// otherwise B is the rest of the chunk. The pair is truncated to
// MaxSeqLen−3 tokens by trimming the longer side, at the front or back with
// probability 0.5 each.
func NSP(cfg PairConfig, docs [][][]int, docIndex int, rng *rand.Rand) []Pair {
	return pairs(cfg, docs, docIndex, false, rng)
}

// SOP builds ALBERT's sentence-order-prediction pairs: chunks and A as in
// NSP, B the rest of the chunk, and with probability 0.5 A and B swapped
// (Label 1). A one-segment chunk is split at a uniform token (ALBERT would
// use a random document there); a one-token chunk is skipped.
func SOP(cfg PairConfig, docs [][][]int, docIndex int, rng *rand.Rand) []Pair {
	return pairs(cfg, docs, docIndex, true, rng)
}

func pairs(cfg PairConfig, docs [][][]int, docIndex int, sop bool, rng *rand.Rand) []Pair {
	checkRNG("NSP/SOP", rng)
	cfg = cfg.withDefaults()
	if docIndex < 0 || docIndex >= len(docs) {
		panic(fmt.Sprintf("pretrain: NSP/SOP: document %d of %d", docIndex, len(docs)))
	}
	doc := docs[docIndex]
	maxTokens := cfg.MaxSeqLen - 3
	target := maxTokens
	if rng.Float64() < cfg.ShortSeqProb {
		target = 2 + rng.IntN(maxTokens-1)
	}
	var out []Pair
	var chunk [][]int
	length := 0
	for i := 0; i < len(doc); i++ {
		chunk = append(chunk, doc[i])
		length += len(doc[i])
		if i != len(doc)-1 && length < target {
			continue
		}
		aEnd := 1
		if len(chunk) >= 2 {
			aEnd = 1 + rng.IntN(len(chunk)-1)
		}
		var a, b []int
		for _, s := range chunk[:aEnd] {
			a = append(a, s...)
		}
		label := 0
		switch {
		case sop:
			for _, s := range chunk[aEnd:] {
				b = append(b, s...)
			}
			if len(chunk) == 1 && len(a) >= 2 {
				k := 1 + rng.IntN(len(a)-1)
				a, b = a[:k], a[k:]
			}
			if len(b) > 0 && rng.Float64() < 0.5 {
				label = 1
				a, b = b, a
			}
		case len(chunk) == 1 || rng.Float64() < 0.5:
			label = 1
			targetB := target - len(a)
			r := docIndex
			if len(docs) > 1 {
				r = rng.IntN(len(docs) - 1)
				if r >= docIndex {
					r++
				}
			}
			rd := docs[r]
			if len(rd) > 0 {
				for j := rng.IntN(len(rd)); j < len(rd); j++ {
					b = append(b, rd[j]...)
					if len(b) >= targetB {
						break
					}
				}
			}
			i -= len(chunk) - aEnd
		default:
			for _, s := range chunk[aEnd:] {
				b = append(b, s...)
			}
		}
		a, b = truncatePair(clone(a), clone(b), maxTokens, rng)
		if len(a) >= 1 && len(b) >= 1 {
			out = append(out, makePair(cfg.Special, a, b, label))
		}
		chunk, length = nil, 0
	}
	return out
}

// truncatePair trims the longer of a and b, at the front or the back with
// probability 0.5, until len(a)+len(b) ≤ maxTokens (BERT's truncate_seq_pair).
func truncatePair(a, b []int, maxTokens int, rng *rand.Rand) ([]int, []int) {
	for len(a)+len(b) > maxTokens {
		longer := &a
		if len(b) > len(a) {
			longer = &b
		}
		if rng.Float64() < 0.5 {
			*longer = (*longer)[1:]
		} else {
			*longer = (*longer)[:len(*longer)-1]
		}
	}
	return a, b
}

func makePair(sp Special, a, b []int, label int) Pair {
	p := Pair{Label: label}
	p.Tokens = append(append(append(append([]int{sp.CLS}, a...), sp.SEP), b...), sp.SEP)
	p.Segments = make([]int, len(p.Tokens))
	for i := len(a) + 2; i < len(p.Tokens); i++ {
		p.Segments[i] = 1
	}
	return p
}
