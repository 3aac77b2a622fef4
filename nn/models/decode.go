package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
)

// Stepper is a sequence model that decodes token by token with a cache:
// *GPT, and the decoder of a *T5 given its sources (T5.Decoding). The
// decoding functions Generate, BeamSearch and ContrastiveSearch work on
// any Stepper. Switch dropout off (nn.SetTraining(m, false)) before
// decoding; the steppers of this package run the model frozen (no
// autodiff graph).
type Stepper interface {
	// Start begins decoding a batch of prefixes (none empty) and returns
	// its state. The model runs at the state's first Next.
	Start(prefixes [][]int) Decoder
}

// Decoder is the state of a batch being decoded: the tokens fed so far,
// held as the model's cache, and the output of the last step. Rows of
// different lengths are allowed; rows of equal length run together.
type Decoder interface {
	// Next feeds every token given since the previous Next (the prefixes
	// at first) and returns the next-token logits of each row. Without new
	// tokens it returns the previous step again, reordered by Select.
	Next() Step
	// Append gives every row one more token: tokens[i] to row i.
	Append(tokens []int)
	// Select makes the batch the rows rows[0], rows[1], … of the current
	// batch, with their caches and last step: a row may be repeated (to
	// expand it into beams or samples) or left out (a finished row).
	Select(rows []int)
	// Len returns the number of rows.
	Len() int
}

// Step is the output of Decoder.Next.
type Step struct {
	// Logits (B, V) are the next-token logits of each row.
	Logits *tensor.Tensor
	// Hidden[i] (t, H) holds row i's final hidden states (before the LM
	// head) at the t positions the last Next fed; nil if the model does
	// not expose them.
	Hidden []*tensor.Tensor
}

// rowCache is a model's cache for a group of rows of equal length, which
// groupDecoder drives.
type rowCache interface {
	// forward feeds ids (n rows of t tokens) and returns the logits (n, V)
	// at the last position and the hidden states (n, t, H).
	forward(ids []int, n, t int) (logits, hidden *tensor.Tensor)
	// sel keeps rows rows[0], rows[1], … of the cache.
	sel(rows []int)
}

// groupDecoder implements Decoder over groups of rows of equal length,
// each with its own cache.
type groupDecoder struct {
	groups []*dgroup
	where  []loc            // batch row → row of a group
	last   [][]float32      // batch row → logits of the last step
	hidden []*tensor.Tensor // batch row → hidden states of the last step
	vocab  int              // logits per row (0 before the first Next)
	params []*tensor.Tensor // the model's trainable parameters, frozen during Next
}

type dgroup struct {
	cache rowCache
	feed  [][]int // tokens not yet fed, per group row (all of one length)
}

type loc struct{ g, j int }

// startGroups groups prefixes by length and returns their decoder;
// newCache returns the cache of a group given the indices of its rows
// among the prefixes.
func startGroups(op string, model any, prefixes [][]int, newCache func(rows []int) rowCache) *groupDecoder {
	if len(prefixes) == 0 {
		panic(op + ": no prefixes")
	}
	d := &groupDecoder{where: make([]loc, len(prefixes)), last: make([][]float32, len(prefixes)),
		hidden: make([]*tensor.Tensor, len(prefixes)), params: nn.Params(model)}
	byLen := map[int]int{}
	var rows [][]int
	for i, p := range prefixes {
		if len(p) == 0 {
			panic(fmt.Sprintf("%s: prefix %d is empty", op, i))
		}
		g, ok := byLen[len(p)]
		if !ok {
			g = len(d.groups)
			byLen[len(p)] = g
			d.groups = append(d.groups, &dgroup{})
			rows = append(rows, nil)
		}
		d.where[i] = loc{g, len(rows[g])}
		rows[g] = append(rows[g], i)
		d.groups[g].feed = append(d.groups[g].feed, slices.Clone(p))
	}
	for g, r := range rows {
		d.groups[g].cache = newCache(r)
	}
	return d
}

func (d *groupDecoder) Len() int { return len(d.where) }

func (d *groupDecoder) Next() Step {
	var inv [][]int // group row → batch row, built on demand
	for g, gr := range d.groups {
		if len(gr.feed) == 0 || len(gr.feed[0]) == 0 {
			continue
		}
		if inv == nil {
			inv = d.inverse()
		}
		n, t := len(gr.feed), len(gr.feed[0])
		ids := slices.Concat(gr.feed...)
		restore := freeze(d.params)
		logits, hid := gr.cache.forward(ids, n, t)
		restore()
		v := logits.Dim(1)
		d.vocab = v
		ld := logits.Data()
		for j, i := range inv[g] {
			d.last[i] = ld[j*v : (j+1)*v : (j+1)*v]
			d.hidden[i] = nil
			if hid != nil {
				d.hidden[i] = hid.Narrow(0, j, 1).Reshape(t, hid.Dim(2))
			}
		}
		for j := range gr.feed {
			gr.feed[j] = gr.feed[j][:0]
		}
	}
	if d.vocab == 0 {
		panic("models.Decoder.Next: no tokens fed")
	}
	data := make([]float32, 0, len(d.last)*d.vocab)
	for _, l := range d.last {
		data = append(data, l...)
	}
	return Step{Logits: tensor.New(data, len(d.last), d.vocab), Hidden: slices.Clone(d.hidden)}
}

// freeze is nn.Freeze on a list of parameters, without walking the model.
func freeze(params []*tensor.Tensor) (restore func()) {
	var frozen []*tensor.Tensor
	for _, p := range params {
		if p.RequiresGrad() {
			p.SetRequiresGrad(false)
			frozen = append(frozen, p)
		}
	}
	return func() {
		for _, p := range frozen {
			p.SetRequiresGrad(true)
		}
	}
}

// inverse returns, per group, the batch rows of its rows.
func (d *groupDecoder) inverse() [][]int {
	inv := make([][]int, len(d.groups))
	for g, gr := range d.groups {
		inv[g] = make([]int, len(gr.feed))
	}
	for i, w := range d.where {
		inv[w.g][w.j] = i
	}
	return inv
}

func (d *groupDecoder) Append(tokens []int) {
	if len(tokens) != len(d.where) {
		panic(fmt.Sprintf("models.Decoder.Append: %d tokens for %d rows", len(tokens), len(d.where)))
	}
	for i, w := range d.where {
		f := &d.groups[w.g].feed[w.j]
		*f = append(*f, tokens[i])
	}
}

func (d *groupDecoder) Select(rows []int) {
	if len(rows) == 0 {
		panic("models.Decoder.Select: no rows")
	}
	sel := make([][]int, len(d.groups))
	where := make([]loc, len(rows))
	for i, r := range rows {
		if r < 0 || r >= len(d.where) {
			panic(fmt.Sprintf("models.Decoder.Select: row %d outside [0, %d)", r, len(d.where)))
		}
		w := d.where[r]
		where[i] = loc{w.g, len(sel[w.g])}
		sel[w.g] = append(sel[w.g], w.j)
	}
	renum := make([]int, len(d.groups))
	var groups []*dgroup
	for g, s := range sel {
		if len(s) == 0 {
			continue
		}
		gr := d.groups[g]
		gr.cache.sel(s)
		feed := make([][]int, len(s))
		for j, k := range s {
			feed[j] = slices.Clone(gr.feed[k])
		}
		gr.feed = feed
		renum[g] = len(groups)
		groups = append(groups, gr)
	}
	for i := range where {
		where[i].g = renum[where[i].g]
	}
	last, hidden := make([][]float32, len(rows)), make([]*tensor.Tensor, len(rows))
	for i, r := range rows {
		last[i], hidden[i] = d.last[r], d.hidden[r]
	}
	d.groups, d.where, d.last, d.hidden = groups, where, last, hidden
}

// Start implements Stepper: prefixes are token ids to continue, which may
// differ in length. Each row's positions must stay within MaxPositions.
func (m *GPT) Start(prefixes [][]int) Decoder {
	return startGroups("models.GPT.Start", m, prefixes, func([]int) rowCache { return &gptRows{m: m, c: m.NewCache()} })
}

// gptRows is a group's KVCache.
type gptRows struct {
	m *GPT
	c *KVCache
}

func (r *gptRows) forward(ids []int, n, t int) (logits, hidden *tensor.Tensor) {
	h := r.m.hidden(ids, n, t, r.c)
	return r.m.head(h.Narrow(1, t-1, 1)).Reshape(n, -1), h
}

func (r *gptRows) sel(rows []int) {
	for i := range r.c.k {
		if r.c.k[i] != nil {
			r.c.k[i], r.c.v[i] = r.c.k[i].IndexSelect(0, rows), r.c.v[i].IndexSelect(0, rows)
		}
	}
}

// Decoding returns the Stepper of m's decoder conditioned on the sources
// src: row i of a batch started on it continues the decoder prefix i
// (usually just DecoderStartID) given src[i]. The sources are encoded
// once, together, when Start is called, padded with PadID at the end and
// masked, so a row's logits do not depend on the other rows. It panics on
// an empty source. Decode thousands of sources in chunks (as
// GenerateBatch does): the encoder runs on all of them at once.
func (m *T5) Decoding(src [][]int) Stepper {
	for i, s := range src {
		if len(s) == 0 {
			panic(fmt.Sprintf("models.T5.Decoding: source %d is empty", i))
		}
	}
	return &t5Stepper{m: m, src: src}
}

type t5Stepper struct {
	m   *T5
	src [][]int
}

// Start implements Stepper; len(prefixes) must equal the number of
// sources.
func (s *t5Stepper) Start(prefixes [][]int) Decoder {
	m := s.m
	if len(prefixes) != len(s.src) {
		panic(fmt.Sprintf("models.T5.Decoding: Start with %d prefixes for %d sources", len(prefixes), len(s.src)))
	}
	n, l := len(s.src), 0
	for _, x := range s.src {
		l = max(l, len(x))
	}
	ids := make([]int, 0, n*l)
	for _, x := range s.src {
		ids = append(ids, x...)
		for range l - len(x) {
			ids = append(ids, m.Config.PadID)
		}
	}
	restore := nn.Freeze(m)
	enc := m.Encode(ids, n, l)
	restore()
	nb := len(m.Decoder.Blocks)
	return startGroups("models.T5.Decoding", m, prefixes, func(rows []int) rowCache {
		src := make([]int, 0, len(rows)*l)
		for _, r := range rows {
			src = append(src, ids[r*l:(r+1)*l]...)
		}
		return &t5Rows{m: m, enc: enc.IndexSelect(0, rows), src: src, l: l,
			c: &t5Cache{k: make([]*tensor.Tensor, nb), v: make([]*tensor.Tensor, nb), ck: make([]*tensor.Tensor, nb), cv: make([]*tensor.Tensor, nb)}}
	})
}

// t5Rows is a group's decoder cache with its rows' encoder outputs and
// (padded) sources.
type t5Rows struct {
	m   *T5
	enc *tensor.Tensor
	src []int
	l   int
	c   *t5Cache
}

func (r *t5Rows) forward(ids []int, n, t int) (logits, hidden *tensor.Tensor) {
	h := r.m.decodeHidden(ids, n, t, r.enc, r.src, r.c)
	return r.m.head(h.Narrow(1, t-1, 1)).Reshape(n, -1), h
}

func (r *t5Rows) sel(rows []int) {
	r.enc = r.enc.IndexSelect(0, rows)
	src := make([]int, 0, len(rows)*r.l)
	for _, i := range rows {
		src = append(src, r.src[i*r.l:(i+1)*r.l]...)
	}
	r.src = src
	for _, ts := range [][]*tensor.Tensor{r.c.k, r.c.v, r.c.ck, r.c.cv} {
		for i, x := range ts {
			if x != nil {
				ts[i] = x.IndexSelect(0, rows)
			}
		}
	}
}

// Sample returns the Sampler that draws from softmax(logits/temp) after
// two cuts, in Hugging Face's order (temperature, TopKLogitsWarper,
// TopPLogitsWarper): keep the k most likely tokens (k > 0; 0 keeps all),
// then the smallest set of them, most likely first, whose probabilities at
// temperature temp sum to at least p (0 < p < 1; 0 or 1 keep all). Ties
// keep the lower id. Draws take one rng.Float64 each, as Temperature's. It
// panics if temp is not positive, k is negative or p is outside [0, 1].
func Sample(temp float64, k int, p float64) Sampler {
	if k < 0 || !(p >= 0 && p <= 1) {
		panic(fmt.Sprintf("models.Sample: top-k %d, top-p %v; want k ≥ 0 and p in [0, 1]", k, p))
	}
	draw := Temperature(temp)
	if k == 0 && (p == 0 || p == 1) {
		return draw
	}
	return func(logits []float32, rng *rand.Rand) int {
		return draw(cut(logits, k, p, temp), rng)
	}
}

// TopK returns the Sampler that draws from the k most likely tokens in
// proportion to their probabilities: Sample(1, k, 1).
func TopK(k int) Sampler { return Sample(1, k, 1) }

// TopP returns the nucleus Sampler that draws from the smallest set of
// most likely tokens whose probabilities reach p: Sample(1, 0, p).
func TopP(p float64) Sampler { return Sample(1, 0, p) }

// cut returns a copy of logits with -Inf for every token outside the k
// most likely (k > 0) and outside the smallest set, most likely first,
// whose probabilities at temperature temp sum to at least p (0 < p < 1),
// as Hugging Face's TopKLogitsWarper and TopPLogitsWarper do (ties keep
// the lower id).
func cut(logits []float32, k int, p, temp float64) []float32 {
	order := make([]int, len(logits))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case logits[a] > logits[b]:
			return -1
		case logits[a] < logits[b]:
			return 1
		}
		return 0
	})
	keep := len(order)
	if k > 0 {
		keep = min(keep, k)
	}
	if p > 0 && p < 1 {
		mx := float64(logits[order[0]])
		var z float64
		for _, i := range order[:keep] {
			z += math.Exp((float64(logits[i]) - mx) / temp)
		}
		var cum float64
		for j, i := range order[:keep] {
			cum += math.Exp((float64(logits[i])-mx)/temp) / z
			if cum >= p {
				keep = j + 1
				break
			}
		}
	}
	out := make([]float32, len(logits))
	for i := range out {
		out[i] = float32(math.Inf(-1))
	}
	for _, i := range order[:keep] {
		out[i] = logits[i]
	}
	return out
}

// GenConfig says how long decoding runs and what it samples.
type GenConfig struct {
	// MaxNew is the number of tokens generated at most per sequence.
	MaxNew int
	// EOS are the tokens that end a sequence; the ending token is kept in
	// the output.
	EOS []int
	// Stop, if not nil, is called with a sequence's generated tokens after
	// each new one; true ends the sequence there (as an EOS would).
	Stop func(tokens []int) bool
	// Sampler picks each token in Generate (nil: Greedy).
	Sampler Sampler
	// NumSamples is the number of sequences Generate draws per prompt (0:
	// 1); identical outputs are returned once.
	NumSamples int
}

// ends reports whether tokens, a sequence's generated tokens, is finished
// by its last token or by Stop.
func (c *GenConfig) ends(tokens []int) bool {
	return slices.Contains(c.EOS, tokens[len(tokens)-1]) || (c.Stop != nil && c.Stop(tokens))
}

func (c *GenConfig) check(op string) {
	if c.MaxNew < 0 || c.NumSamples < 0 {
		panic(fmt.Sprintf("%s: MaxNew %d, NumSamples %d; want ≥ 0", op, c.MaxNew, c.NumSamples))
	}
}

// Hypothesis is a decoded sequence.
type Hypothesis struct {
	// Tokens are the generated tokens, without the prompt, with the EOS
	// token that ended them if one did.
	Tokens []int
	// LogProb is the sum of the model's log-probabilities of Tokens
	// (natural log, before any sampling cut or temperature).
	LogProb float64
	// Score ranks hypotheses: LogProb / len(Tokens)^LengthPenalty in beam
	// search, LogProb otherwise.
	Score float64
}

// Generate continues each prompt by up to c.MaxNew tokens, each chosen by
// c.Sampler (Greedy if nil) from the logits of the row's last position,
// until an EOS token or c.Stop ends it. All rows run as one batch (rows of
// equal prompt length share a forward pass) and finished rows leave it.
// With c.NumSamples n > 1, each prompt is encoded once and expanded into n
// rows; result i holds prompt i's distinct outputs in the order first
// drawn, so it may have fewer than n. Rows draw from rng in batch order,
// one draw per row and step. It panics on an empty prompt or a token the
// model rejects (as GPT's positions beyond MaxPositions: keep
// len(prompt)+MaxNew-1 within them).
func Generate(s Stepper, prompts [][]int, c GenConfig, rng *rand.Rand) [][]Hypothesis {
	c.check("models.Generate")
	n := max(c.NumSamples, 1)
	sample := c.Sampler
	if sample == nil {
		sample = Greedy
	}
	outs := make([]Hypothesis, len(prompts)*n)
	if c.MaxNew > 0 && len(prompts) > 0 {
		d := s.Start(prompts)
		st := d.Next()
		if n > 1 {
			rows := make([]int, 0, len(outs))
			for i := range prompts {
				for range n {
					rows = append(rows, i)
				}
			}
			d.Select(rows)
			st = d.Next()
		}
		active := make([]int, len(outs)) // batch row → output
		for i := range active {
			active[i] = i
		}
		for {
			v, data := st.Logits.Dim(1), st.Logits.Data()
			toks := make([]int, len(active))
			var keep []int
			for i, o := range active {
				row := data[i*v : (i+1)*v]
				tok := sample(row, rng)
				if tok < 0 || tok >= v {
					panic(fmt.Sprintf("models.Generate: sampler returned %d outside [0, %d)", tok, v))
				}
				h := &outs[o]
				h.Tokens = append(h.Tokens, tok)
				h.LogProb += logSoftmaxAt(row, tok)
				toks[i] = tok
				if len(h.Tokens) < c.MaxNew && !c.ends(h.Tokens) {
					keep = append(keep, i)
				}
			}
			if len(keep) == 0 {
				break
			}
			if len(keep) < len(active) {
				d.Select(keep)
				toks, active = pick(toks, keep), pick(active, keep)
			}
			d.Append(toks)
			st = d.Next()
		}
	}
	res := make([][]Hypothesis, len(prompts))
	for i := range prompts {
		for _, h := range outs[i*n : (i+1)*n] {
			h.Score = h.LogProb
			if !slices.ContainsFunc(res[i], func(o Hypothesis) bool { return slices.Equal(o.Tokens, h.Tokens) }) {
				res[i] = append(res[i], h)
			}
		}
	}
	return res
}

// pick returns xs[idx[0]], xs[idx[1]], ….
func pick(xs, idx []int) []int {
	out := make([]int, len(idx))
	for i, j := range idx {
		out[i] = xs[j]
	}
	return out
}

// logSoftmaxAt returns log softmax(logits)[id], computed in float64.
func logSoftmaxAt(logits []float32, id int) float64 {
	mx := math.Inf(-1)
	for _, x := range logits {
		mx = math.Max(mx, float64(x))
	}
	var sum float64
	for _, x := range logits {
		sum += math.Exp(float64(x) - mx)
	}
	return float64(logits[id]) - mx - math.Log(sum)
}

// logSoftmax returns log softmax(logits) in float64.
func logSoftmax(logits []float32) []float64 {
	mx := math.Inf(-1)
	for _, x := range logits {
		mx = math.Max(mx, float64(x))
	}
	var sum float64
	for _, x := range logits {
		sum += math.Exp(float64(x) - mx)
	}
	lse := mx + math.Log(sum)
	out := make([]float64, len(logits))
	for i, x := range logits {
		out[i] = float64(x) - lse
	}
	return out
}

// topIndices returns the indices of the m largest values of xs, largest
// first, ties to the lower index.
func topIndices(xs []float64, m int) []int {
	m = min(m, len(xs))
	top := make([]int, 0, m+1)
	for i, x := range xs {
		if len(top) == m && !(x > xs[top[m-1]]) {
			continue
		}
		j := len(top)
		for j > 0 && x > xs[top[j-1]] {
			j--
		}
		top = slices.Insert(top, j, i)
		if len(top) > m {
			top = top[:m]
		}
	}
	return top
}

// BeamConfig sets up BeamSearch.
type BeamConfig struct {
	// Width is the number of beams kept per prompt (at least 1).
	Width int
	// NumReturn is the number of hypotheses returned per prompt (0: 1; at
	// most Width).
	NumReturn int
	// LengthPenalty α scores a finished hypothesis LogProb / len^α, as
	// Hugging Face's num_beams search with length_penalty (whose default
	// is 1; the zero value here is no penalty). α > 0 favours longer
	// sequences, since log-probabilities are negative.
	LengthPenalty float64
	// EarlyStopping ends a prompt's search as soon as Width hypotheses
	// have finished. Without it, the search goes on while a running beam
	// could still beat the worst of them: its LogProb over the current
	// length^α if α ≤ 0, over MaxNew^α if α > 0 (Hugging Face's
	// early_stopping "never"; its False uses the current length for every
	// α, which may stop early).
	EarlyStopping bool
}

// beam is a running hypothesis and its row in the decoder.
type beam struct {
	tokens []int
	sum    float64
	row    int
}

// BeamSearch continues each prompt with beam search as Hugging Face's
// BeamSearchScorer does: at each step the Width beams of a prompt are
// extended by their most likely tokens, the candidates sorted by summed
// log-probability (ties to the earlier beam, then the lower token); a
// candidate ending the sequence (an EOS token, or c.Stop) among the Width
// best becomes a finished hypothesis with Score LogProb / len(Tokens)^α,
// the others fill the next Width beams. Beams still running after
// c.MaxNew tokens finish there. It returns, per prompt, the NumReturn best
// hypotheses by Score, best first. All prompts run as one batch. c.Sampler
// and c.NumSamples are ignored. It panics on an invalid b or empty prompt.
func BeamSearch(s Stepper, prompts [][]int, c GenConfig, b BeamConfig) [][]Hypothesis {
	c.check("models.BeamSearch")
	nret := max(b.NumReturn, 1)
	if b.Width < 1 || nret > b.Width || math.IsNaN(b.LengthPenalty) {
		panic(fmt.Sprintf("models.BeamSearch: width %d, NumReturn %d, length penalty %v", b.Width, b.NumReturn, b.LengthPenalty))
	}
	w, alpha := b.Width, b.LengthPenalty
	finished := make([][]Hypothesis, len(prompts)) // best first, at most w
	add := func(p int, tokens []int, sum float64) {
		h := Hypothesis{Tokens: tokens, LogProb: sum, Score: sum / math.Pow(float64(len(tokens)), alpha)}
		f := finished[p]
		j, _ := slices.BinarySearchFunc(f, h.Score, func(x Hypothesis, s float64) int {
			if x.Score >= s {
				return -1
			}
			return 1
		})
		if j < w {
			finished[p] = slices.Insert(f, j, h)[:min(len(f)+1, w)]
		}
	}
	done := func(p int, beams []beam, length int) bool {
		f := finished[p]
		if len(beams) == 0 {
			return true
		}
		if len(f) < w {
			return false
		}
		if b.EarlyStopping {
			return true
		}
		best := beams[0].sum // beams are sorted
		l := length
		if alpha > 0 {
			l = c.MaxNew
		}
		return f[len(f)-1].Score >= best/math.Pow(float64(l), alpha)
	}
	if c.MaxNew > 0 && len(prompts) > 0 {
		d := s.Start(prompts)
		st := d.Next()
		beams := make([][]beam, len(prompts)) // per active prompt
		for p := range prompts {
			beams[p] = []beam{{row: p}}
		}
		active := make([]int, len(prompts))
		for i := range active {
			active[i] = i
		}
		m := max(2, 1+len(c.EOS)) * w
		for step := 1; ; step++ {
			v, data := st.Logits.Dim(1), st.Logits.Data()
			var rows, toks, nextActive []int
			var nextBeams [][]beam
			for a, p := range active {
				type cand struct {
					sum     float64
					bi, tok int
				}
				var cands []cand
				for bi, bm := range beams[a] {
					lp := logSoftmax(data[bm.row*v : (bm.row+1)*v])
					for _, t := range topIndices(lp, m) {
						cands = append(cands, cand{bm.sum + lp[t], bi, t})
					}
				}
				slices.SortStableFunc(cands, func(x, y cand) int {
					switch {
					case x.sum > y.sum:
						return -1
					case x.sum < y.sum:
						return 1
					}
					return 0
				})
				var nb []beam
				for rank, cd := range cands[:min(m, len(cands))] {
					parent := beams[a][cd.bi]
					tokens := append(slices.Clip(parent.tokens), cd.tok)
					if c.ends(tokens) {
						if rank < w {
							add(p, tokens, cd.sum)
						}
						continue
					}
					nb = append(nb, beam{tokens: tokens, sum: cd.sum, row: parent.row})
					if len(nb) == w {
						break
					}
				}
				if step == c.MaxNew {
					for _, bm := range nb {
						add(p, bm.tokens, bm.sum)
					}
					continue
				}
				if done(p, nb, step) {
					continue
				}
				for i := range nb {
					rows = append(rows, nb[i].row)
					toks = append(toks, nb[i].tokens[len(nb[i].tokens)-1])
					nb[i].row = len(rows) - 1
				}
				nextActive = append(nextActive, p)
				nextBeams = append(nextBeams, nb)
			}
			if len(rows) == 0 {
				break
			}
			d.Select(rows)
			d.Append(toks)
			st = d.Next()
			active, beams = nextActive, nextBeams
		}
	}
	res := make([][]Hypothesis, len(prompts))
	for p := range prompts {
		res[p] = finished[p][:min(nret, len(finished[p]))]
	}
	return res
}

// ContrastiveSearch continues each prompt by contrastive search (Su et
// al., 2022, "A Contrastive Framework for Neural Text Generation", as
// Hugging Face's penalty_alpha and top_k): at each step the k most likely
// tokens v are fed as candidates and the one maximising
//
//	(1−α)·p(v) − α·max_j cos(h_v, h_j)
//
// is kept, where h_v is the model's final hidden state at the candidate
// and h_j those of all earlier positions, the prompt's included (ties to
// the more likely token). With α = 0 it is greedy decoding. Sequences end
// as in Generate (c.MaxNew, c.EOS, c.Stop); Score is LogProb. The
// candidates of the last token are fed too, so the model must take
// len(prompt)+MaxNew positions. c.Sampler and c.NumSamples are ignored.
// It panics if k < 1, α is outside [0, 1] or the Stepper gives no hidden
// states.
func ContrastiveSearch(s Stepper, prompts [][]int, c GenConfig, k int, alpha float64) []Hypothesis {
	c.check("models.ContrastiveSearch")
	if k < 1 || !(alpha >= 0 && alpha <= 1) {
		panic(fmt.Sprintf("models.ContrastiveSearch: top-k %d, alpha %v; want k ≥ 1, alpha in [0, 1]", k, alpha))
	}
	outs := make([]Hypothesis, len(prompts))
	if c.MaxNew > 0 && len(prompts) > 0 {
		d := s.Start(prompts)
		st := d.Next()
		ctx := make([][][]float64, len(prompts)) // unit hidden states per prompt
		for i, h := range st.Hidden {
			if h == nil {
				panic("models.ContrastiveSearch: the model gives no hidden states")
			}
			ctx[i] = unitRows(h)
		}
		active := make([]int, len(prompts))
		for i := range active {
			active[i] = i
		}
		for {
			v, data := st.Logits.Dim(1), st.Logits.Data()
			kk := min(k, v)
			rows, cands := make([]int, 0, len(active)*kk), make([]int, 0, len(active)*kk)
			probs := make([][]float64, len(active))
			for i := range active {
				lp := logSoftmax(data[i*v : (i+1)*v])
				probs[i] = lp
				for _, t := range topIndices(lp, kk) {
					rows = append(rows, i)
					cands = append(cands, t)
				}
			}
			d.Select(rows)
			d.Append(cands)
			cs := d.Next()
			var keep, chosen []int
			for i, o := range active {
				best, bestScore := -1, math.Inf(-1)
				for j := i * kk; j < (i+1)*kk; j++ {
					hv := unitRows(cs.Hidden[j])[0]
					pen := math.Inf(-1)
					for _, hj := range ctx[o] {
						pen = math.Max(pen, dot(hv, hj))
					}
					sc := (1-alpha)*math.Exp(probs[i][cands[j]]) - alpha*pen
					if best < 0 || sc > bestScore {
						best, bestScore = j, sc
					}
				}
				tok := cands[best]
				h := &outs[o]
				h.Tokens = append(h.Tokens, tok)
				h.LogProb += probs[i][tok]
				ctx[o] = append(ctx[o], unitRows(cs.Hidden[best])[0])
				if len(h.Tokens) < c.MaxNew && !c.ends(h.Tokens) {
					keep = append(keep, o)
					chosen = append(chosen, best)
				}
			}
			if len(keep) == 0 {
				break
			}
			d.Select(chosen)
			st = d.Next()
			active = keep
		}
	}
	for i := range outs {
		outs[i].Score = outs[i].LogProb
	}
	return outs
}

// unitRows returns the rows of h (t, H) scaled to unit length, in float64.
func unitRows(h *tensor.Tensor) [][]float64 {
	t, n := h.Dim(0), h.Dim(1)
	data := h.Data()
	out := make([][]float64, t)
	for i := range t {
		r := make([]float64, n)
		var ss float64
		for j, x := range data[i*n : (i+1)*n] {
			r[j] = float64(x)
			ss += r[j] * r[j]
		}
		if nrm := math.Sqrt(ss); nrm > 0 {
			for j := range r {
				r[j] /= nrm
			}
		}
		out[i] = r
	}
	return out
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}
