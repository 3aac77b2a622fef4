package models

import (
	"cmp"
	"slices"
)

// generateChunk is the number of sources GenerateBatch decodes together.
const generateChunk = 32

// GenerateBatch is Generate for many sources: it greedily decodes up to
// maxNew tokens for each source, stopping after EOSID, and returns them
// (without the start token). Sources of similar length run together, up
// to 32 at a time, padded with PadID and masked, through Decoding and the
// package's Generate; each result equals Generate(src[i], maxNew). Call
// nn.SetTraining(m, false) first to switch dropout off. It panics on an
// empty source.
func (m *T5) GenerateBatch(src [][]int, maxNew int) [][]int {
	order := make([]int, len(src))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(len(src[a]), len(src[b])) })
	out := make([][]int, len(src))
	c := GenConfig{MaxNew: maxNew, EOS: []int{m.Config.EOSID}}
	for lo := 0; lo < len(order); lo += generateChunk {
		idx := order[lo:min(lo+generateChunk, len(order))]
		chunk, starts := make([][]int, len(idx)), make([][]int, len(idx))
		for j, i := range idx {
			chunk[j], starts[j] = src[i], []int{m.Config.DecoderStartID}
		}
		for j, h := range Generate(m.Decoding(chunk), starts, c, nil) {
			out[idx[j]] = h[0].Tokens
		}
	}
	return out
}
