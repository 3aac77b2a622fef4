package pretrain

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// Unit is what masked LM selects as a whole: single tokens, whole words, or
// n-grams of words.
type Unit int

const (
	// UnitToken masks tokens independently (BERT's original masking).
	UnitToken Unit = iota
	// UnitWord masks whole words: every token of a chosen word (BERT's
	// whole-word masking); it needs word boundaries.
	UnitWord
	// UnitNgram masks n-grams of n ≤ MaxNgram consecutive words, n drawn
	// with probability ∝ 1/n (ALBERT's n-gram masking).
	UnitNgram
)

// MLM configures BERT's masked language model (create_masked_lm_predictions).
// Zero fields take BERT's defaults.
type MLM struct {
	Special Special
	// Prob is the fraction of tokens to predict (default 0.15).
	Prob float64
	// MaxPredictions caps the predictions per sequence and is the length
	// the returned positions, labels and weights are padded to (default 20).
	MaxPredictions int
	// Unit selects tokens, words or n-grams; words and n-grams need the
	// wordStart argument of Apply (without it, every token is a word).
	Unit Unit
	// MaxNgram is the longest n-gram for UnitNgram (default 3, ALBERT's).
	MaxNgram int
	// MaskTokenProb is the probability a chosen token becomes MASK
	// (default 0.8); KeepProb is the probability that a token not made
	// MASK keeps its id rather than a uniformly random one (default 0.5),
	// which gives BERT's 80/10/10. ELECTRA uses 0.85 and 1 (ELECTRAMask).
	MaskTokenProb, KeepProb float64
}

func (m MLM) withDefaults() MLM {
	if m.Prob == 0 {
		m.Prob = 0.15
	}
	if m.MaxPredictions == 0 {
		m.MaxPredictions = 20
	}
	if m.MaxNgram == 0 {
		m.MaxNgram = 3
	}
	if m.MaskTokenProb == 0 {
		m.MaskTokenProb = 0.8
	}
	if m.KeepProb == 0 {
		m.KeepProb = 0.5
	}
	if m.Prob < 0 || m.Prob > 1 || m.MaxPredictions < 0 || m.MaxNgram < 1 ||
		m.MaskTokenProb < 0 || m.MaskTokenProb > 1 || m.KeepProb < 0 || m.KeepProb > 1 {
		panic(fmt.Sprintf("pretrain: MLM with Prob %v, MaxPredictions %d, MaxNgram %d, MaskTokenProb %v, KeepProb %v",
			m.Prob, m.MaxPredictions, m.MaxNgram, m.MaskTokenProb, m.KeepProb))
	}
	return m
}

// MLMExample is one masked sequence in BERT's format.
type MLMExample struct {
	// Inputs is the corrupted sequence.
	Inputs []int
	// Positions and Labels hold the chosen positions, in increasing order,
	// and their original ids, padded with zeros to MaxPredictions;
	// Weights is 1 for a real prediction and 0 for padding
	// (masked_lm_positions, masked_lm_ids, masked_lm_weights).
	Positions, Labels []int
	Weights           []float32
}

// NumPredictions returns the number of real predictions.
func (e MLMExample) NumPredictions() int {
	n := 0
	for _, w := range e.Weights {
		if w != 0 {
			n++
		}
	}
	return n
}

// Targets returns one target per input position: the original id at the
// chosen positions and IgnoreIndex elsewhere, the form nn.CrossEntropy takes
// over a whole sequence.
func (e MLMExample) Targets() []int {
	t := make([]int, len(e.Inputs))
	for i := range t {
		t[i] = IgnoreIndex
	}
	for i, p := range e.Positions {
		if e.Weights[i] != 0 {
			t[p] = e.Labels[i]
		}
	}
	return t
}

// NumToPredict returns BERT's number of predictions for a sequence of n
// tokens (special tokens included): min(maxPredictions, max(1, round(n·prob)))
// with Python's round half to even, so 30 tokens at 0.15 give 4.
func NumToPredict(n int, prob float64, maxPredictions int) int {
	return min(maxPredictions, max(1, roundHalfEven(float64(n)*prob)))
}

// Apply masks tokens as BERT's create_masked_lm_predictions does: the
// candidates are all positions but PAD, CLS, SEP, BOS and EOS, grouped into
// units; the units are shuffled and taken in turn while they fit in
// NumToPredict(n) positions, n counting every non-PAD token; each chosen token
// becomes MASK with probability MaskTokenProb, else keeps its id with
// probability KeepProb, else becomes a uniformly random id (which may equal
// the original). wordStart marks the tokens that begin a word (nil: each
// token is a word). tokens is not modified.
func (m MLM) Apply(tokens []int, wordStart []bool, rng *rand.Rand) MLMExample {
	checkRNG("MLM.Apply", rng)
	m = m.withDefaults()
	sp := m.Special
	n := 0
	for _, id := range tokens {
		if sp.PAD < 0 || id != sp.PAD {
			n++
		}
	}
	var ws []bool
	if m.Unit != UnitToken {
		ws = wordStart
	}
	us := units(tokens, ws, sp)
	numToPredict := NumToPredict(n, m.Prob, m.MaxPredictions)
	var chosen [][]int
	if m.Unit == UnitNgram {
		chosen = chooseNgrams(us, numToPredict, m.MaxNgram, rng)
	} else {
		chosen = chooseUnits(us, numToPredict, rng)
	}
	out := clone(tokens)
	var pos []int
	for _, set := range chosen {
		for _, i := range set {
			out[i] = m.replace(tokens[i], rng)
			pos = append(pos, i)
		}
	}
	slices.Sort(pos)
	ex := MLMExample{
		Inputs:    out,
		Positions: make([]int, max(m.MaxPredictions, len(pos))),
		Labels:    make([]int, max(m.MaxPredictions, len(pos))),
		Weights:   make([]float32, max(m.MaxPredictions, len(pos))),
	}
	for k, i := range pos {
		ex.Positions[k], ex.Labels[k], ex.Weights[k] = i, tokens[i], 1
	}
	return ex
}

// replace draws the input id of one chosen token.
func (m MLM) replace(orig int, rng *rand.Rand) int {
	if rng.Float64() < m.MaskTokenProb {
		return m.Special.MASK
	}
	if rng.Float64() < m.KeepProb {
		return orig
	}
	return m.Special.randomToken(rng)
}

// chooseUnits is BERT's selection: shuffle the units, take each that fits.
func chooseUnits(us [][]int, numToPredict int, rng *rand.Rand) [][]int {
	rng.Shuffle(len(us), func(i, j int) { us[i], us[j] = us[j], us[i] })
	var chosen [][]int
	count := 0
	for _, u := range us {
		if count >= numToPredict {
			break
		}
		if count+len(u) > numToPredict {
			continue
		}
		chosen = append(chosen, u)
		count += len(u)
	}
	return chosen
}

// chooseNgrams is ALBERT's n-gram selection: for every start unit in shuffled
// order draw n ∝ 1/n among the n-grams available there, shorten n while the
// n-gram does not fit, and take it if it fits and overlaps nothing chosen.
func chooseNgrams(us [][]int, numToPredict, maxN int, rng *rand.Rand) [][]int {
	starts := make([]int, len(us))
	for i := range starts {
		starts[i] = i
	}
	rng.Shuffle(len(starts), func(i, j int) { starts[i], starts[j] = starts[j], starts[i] })
	covered := make([]bool, len(us))
	var chosen [][]int
	count := 0
	span := func(s, n int) []int {
		var set []int
		for _, u := range us[s : s+n] {
			set = append(set, u...)
		}
		return set
	}
	for _, s := range starts {
		if count >= numToPredict {
			break
		}
		avail := min(maxN, len(us)-s)
		n := drawNgram(avail, rng)
		set := span(s, n)
		for count+len(set) > numToPredict && n > 1 {
			n--
			set = span(s, n)
		}
		if count+len(set) > numToPredict {
			continue
		}
		if slices.Contains(covered[s:s+n], true) {
			continue
		}
		for k := s; k < s+n; k++ {
			covered[k] = true
		}
		chosen = append(chosen, set)
		count += len(set)
	}
	return chosen
}

// drawNgram draws n in [1, maxN] with probability ∝ 1/n.
func drawNgram(maxN int, rng *rand.Rand) int {
	total := 0.0
	for n := 1; n <= maxN; n++ {
		total += 1 / float64(n)
	}
	u := rng.Float64() * total
	for n := 1; n <= maxN; n++ {
		u -= 1 / float64(n)
		if u < 0 {
			return n
		}
	}
	return maxN
}

// StaticMasks returns dupe copies of tokens, each masked independently, as
// BERT's create_pretraining_data does with dupe_factor (10 in BERT): the
// masks are fixed before training and reused every epoch.
func StaticMasks(m MLM, tokens []int, wordStart []bool, dupe int, rng *rand.Rand) []MLMExample {
	out := make([]MLMExample, dupe)
	for i := range out {
		out[i] = m.Apply(tokens, wordStart, rng)
	}
	return out
}

// Masker draws a new mask every time a sequence is served (RoBERTa's dynamic
// masking). It is not safe for concurrent use.
type Masker struct {
	MLM MLM
	rng *rand.Rand
}

// NewMasker returns a Masker drawing from rng.
func NewMasker(m MLM, rng *rand.Rand) *Masker {
	checkRNG("NewMasker", rng)
	return &Masker{MLM: m, rng: rng}
}

// Mask masks tokens afresh.
func (k *Masker) Mask(tokens []int, wordStart []bool) MLMExample {
	return k.MLM.Apply(tokens, wordStart, k.rng)
}
