package pretrain

import (
	"fmt"
	"math/rand/v2"
)

// RandomSpansNoiseMask is T5's random_spans_noise_mask: it marks
// round(length·density) tokens (clamped to [1, length−1]) as noise, in
// max(1, round(noise/meanSpan)) spans; the noise and non-noise lengths are
// each a uniformly random composition into that many positive parts, and the
// spans alternate non-noise, noise, … starting with non-noise. Rounding is
// half to even, as Python's and TensorFlow's. T5 uses density 0.15 and mean
// span length 3.
func RandomSpansNoiseMask(length int, density, meanSpan float64, rng *rand.Rand) []bool {
	checkRNG("RandomSpansNoiseMask", rng)
	if length < 0 || density < 0 || density > 1 || meanSpan <= 0 {
		panic(fmt.Sprintf("pretrain: RandomSpansNoiseMask(length %d, density %v, meanSpan %v)", length, density, meanSpan))
	}
	orig := length
	length = max(length, 2)
	numNoise := min(max(roundHalfEven(float64(length)*density), 1), length-1)
	numSpans := max(roundHalfEven(float64(numNoise)/meanSpan), 1)
	noise := randomSegmentation(numNoise, numSpans, rng)
	nonNoise := randomSegmentation(length-numNoise, numSpans, rng)
	mask := make([]bool, 0, length)
	for i := 0; i < numSpans; i++ {
		for k := 0; k < nonNoise[i]; k++ {
			mask = append(mask, false)
		}
		for k := 0; k < noise[i]; k++ {
			mask = append(mask, true)
		}
	}
	return mask[:orig]
}

// randomSegmentation splits n items into k positive parts, uniformly over the
// compositions: k−1 of the n−1 gaps, chosen by a shuffle, start a new part.
func randomSegmentation(n, k int, rng *rand.Rand) []int {
	first := make([]bool, n-1)
	for i := 0; i < k-1; i++ {
		first[i] = true
	}
	rng.Shuffle(len(first), func(i, j int) { first[i], first[j] = first[j], first[i] })
	lengths := make([]int, 0, k)
	cur := 1
	for _, f := range first {
		if f {
			lengths = append(lengths, cur)
			cur = 0
		}
		cur++
	}
	return append(lengths, cur)
}

// SpanCorrupt builds T5's span-corruption pair from tokens and a noise mask
// (RandomSpansNoiseMask): in the inputs each noise span is replaced by one
// sentinel and the rest is kept; in the targets each non-noise span is
// replaced by one sentinel and the noise is kept. Sentinels are numbered in
// order of appearance (Special.Sentinel(0), (1), …) separately in each, so the
// i-th sentinel of the inputs equals the i-th of the targets. If eos ≥ 0 it is
// appended to both.
func SpanCorrupt(tokens []int, noise []bool, sp Special, eos int) (inputs, targets []int) {
	if len(noise) != len(tokens) {
		panic(fmt.Sprintf("pretrain: SpanCorrupt: noise mask has length %d, tokens %d", len(noise), len(tokens)))
	}
	inputs = sentinelise(tokens, noise, true, sp)
	targets = sentinelise(tokens, noise, false, sp)
	if eos >= 0 {
		inputs = append(inputs, eos)
		targets = append(targets, eos)
	}
	return inputs, targets
}

// sentinelise replaces each maximal run of positions with noise[i] == drop by
// the next sentinel.
func sentinelise(tokens []int, noise []bool, drop bool, sp Special) []int {
	var out []int
	k := 0
	for i, id := range tokens {
		if noise[i] != drop {
			out = append(out, id)
			continue
		}
		if i == 0 || noise[i-1] != drop {
			out = append(out, sp.Sentinel(k))
			k++
		}
	}
	return out
}

// MASS masks one contiguous span of round(frac·n) tokens (at least 1) at a
// uniform start: the encoder input has MASK over the span, and the decoder
// predicts the span (targets) from its shifted copy (decoderInputs, starting
// with MASK), as in MASS, which uses frac ≈ 0.5.
func MASS(tokens []int, frac float64, sp Special, rng *rand.Rand) (inputs, decoderInputs, targets []int, start int) {
	checkRNG("MASS", rng)
	n := len(tokens)
	if n == 0 || frac <= 0 || frac > 1 {
		panic(fmt.Sprintf("pretrain: MASS with %d tokens and frac %v", n, frac))
	}
	k := min(n, max(1, roundHalfEven(frac*float64(n))))
	start = rng.IntN(n - k + 1)
	inputs = clone(tokens)
	for i := start; i < start+k; i++ {
		inputs[i] = sp.MASK
	}
	targets = clone(tokens[start : start+k])
	decoderInputs = append([]int{sp.MASK}, targets[:k-1]...)
	return inputs, decoderInputs, targets, start
}
