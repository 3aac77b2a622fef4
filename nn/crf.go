package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/cairn-ml/cairn/tensor"
)

// CRF is a linear-chain conditional random field over K tags, the output
// layer of a BiLSTM-CRF tagger, with the parameters and layout of
// pytorch-crf's torchcrf.CRF: StartTransitions[j] scores a path that begins
// with tag j, EndTransitions[j] one that ends with tag j, and
// Transitions[i][j] (K×K, row-major) the move from tag i to tag j. The
// score of tags y over emissions e (one row of K scores per word) is
//
//	start[y₀] + Σₜ e[t][yₜ] + Σₜ₌₁ trans[yₜ₋₁][yₜ] + end[y_{L-1}]
//
// and the model's probability of y is exp(score(y) − log Z), where the
// log-partition log Z sums exp(score) over every path (the forward
// algorithm).
//
// Emissions are batch-first, (B, T, K), with a length per sentence (nil:
// every sentence has T words); positions past a sentence's length are
// ignored. Tags are given as B·T ints in row-major order, the padding
// positions being ignored as well.
//
// Constraints, when set, forbid some starts, ends and transitions (an I-X
// after O in BIO, say): a forbidden move scores −∞ in both the likelihood
// and Decode, so the model normalises over the allowed paths only and never
// predicts a forbidden one.
type CRF struct {
	StartTransitions *tensor.Tensor `cairn:"start_transitions"` // (K)
	EndTransitions   *tensor.Tensor `cairn:"end_transitions"`   // (K)
	Transitions      *tensor.Tensor `cairn:"transitions"`       // (K, K), [from][to]
	// Constraints lists the allowed moves; nil allows every path.
	Constraints *CRFConstraints `cairn:"-"`
}

// CRFConstraints lists which moves of a CRF's paths are allowed. A nil
// slice allows every move of its kind.
type CRFConstraints struct {
	Start []bool   // Start[j]: a path may begin with tag j
	End   []bool   // End[j]: a path may end with tag j
	Trans [][]bool // Trans[i][j]: tag j may follow tag i
}

// NewCRF returns a CRF over numTags tags with every parameter drawn from
// U(-0.1, 0.1), as pytorch-crf initialises it.
func NewCRF(rng *rand.Rand, numTags int) *CRF {
	if numTags < 1 {
		panic(fmt.Sprintf("nn.NewCRF: %d tags", numTags))
	}
	return &CRF{
		StartTransitions: param(UniformInit(rng, 0.1, numTags)),
		EndTransitions:   param(UniformInit(rng, 0.1, numTags)),
		Transitions:      param(UniformInit(rng, 0.1, numTags, numTags)),
	}
}

// NumTags returns K, the number of tags.
func (c *CRF) NumTags() int { return c.StartTransitions.Size() }

// NLL returns the negative log-likelihood of the gold tags, a scalar
// averaged over the sentences by default (WithReduction(ReduceSum) adds
// them, ReduceNone returns one value per sentence, shape (B)). Note that
// pytorch-crf's forward returns the log-likelihood, summed by default.
// It is differentiable with respect to the emissions and the three
// parameter tensors. A sentence whose gold path takes a forbidden move has
// an infinite loss and contributes no gradient.
func (c *CRF) NLL(emissions *tensor.Tensor, tags, lengths []int, opts ...LossOption) *tensor.Tensor {
	cfg := lossOptions("CRF.NLL", opts, optReduction)
	if tags == nil {
		panic("nn.CRF.NLL: nil tags")
	}
	return reduceLoss(c.run("CRF.NLL", emissions, tags, lengths), cfg.reduction)
}

// LogLikelihood returns log p(tags | emissions) for every sentence, shape
// (B): pytorch-crf's forward with reduction='none'. It is differentiable
// like NLL.
func (c *CRF) LogLikelihood(emissions *tensor.Tensor, tags, lengths []int) *tensor.Tensor {
	if tags == nil {
		panic("nn.CRF.LogLikelihood: nil tags")
	}
	return c.run("CRF.LogLikelihood", emissions, tags, lengths).Neg()
}

// LogPartition returns log Z, the log of the summed exp(score) of every
// allowed path, for every sentence, shape (B); it is 0 for an empty
// sentence. It is differentiable: its gradient with respect to the
// emissions is the tag marginals p(yₜ = j).
func (c *CRF) LogPartition(emissions *tensor.Tensor, lengths []int) *tensor.Tensor {
	return c.run("CRF.LogPartition", emissions, nil, lengths)
}

// Decode returns the highest-scoring allowed tag path of every sentence
// (Viterbi) and its score, the unnormalised score above; exp(score − log Z)
// is the path's probability, which least-confidence active learning uses.
// An empty sentence gets an empty path and score 0, and a sentence with no
// allowed path at all score −Inf. Decode records no graph.
func (c *CRF) Decode(emissions *tensor.Tensor, lengths []int) (paths [][]int, scores []float32) {
	p := c.prepare("CRF.Decode", emissions, lengths)
	paths = make([][]int, p.B)
	scores = make([]float32, p.B)
	em := emissions.Data()
	parallelRows(p.B, p.T*p.K, func(lo, hi int) {
		K := p.K
		v := make([]float64, K)
		nv := make([]float64, K)
		back := make([]int32, p.T*K)
		for b := lo; b < hi; b++ {
			L := p.length(b)
			if L == 0 {
				paths[b] = []int{}
				continue
			}
			e := em[b*p.T*K:]
			for j := range K {
				v[j] = p.start[j] + float64(e[j])
			}
			for t := 1; t < L; t++ {
				et := e[t*K : (t+1)*K]
				for j := range K {
					best, arg := math.Inf(-1), 0
					for i := range K {
						if s := v[i] + p.trans[i*K+j]; s > best {
							best, arg = s, i
						}
					}
					nv[j] = best + float64(et[j])
					back[t*K+j] = int32(arg)
				}
				v, nv = nv, v
			}
			best, arg := math.Inf(-1), 0
			for j := range K {
				if s := v[j] + p.end[j]; s > best {
					best, arg = s, j
				}
			}
			path := make([]int, L)
			path[L-1] = arg
			for t := L - 1; t > 0; t-- {
				path[t-1] = int(back[t*K+path[t]])
			}
			paths[b] = path
			scores[b] = float32(best)
		}
	})
	return paths, scores
}

// crfProblem is one call's sizes and its parameters in float64, with the
// constraints applied as −∞.
type crfProblem struct {
	B, T, K           int
	lengths           []int
	start, end, trans []float64
	allowS, allowE    []bool // nil: all allowed
	allowT            []bool // K*K, nil: all allowed
}

func (p *crfProblem) length(b int) int {
	if p.lengths == nil {
		return p.T
	}
	return p.lengths[b]
}

// prepare checks the shapes and converts the parameters.
func (c *CRF) prepare(op string, emissions *tensor.Tensor, lengths []int) *crfProblem {
	K := c.NumTags()
	if c.EndTransitions.Size() != K || c.Transitions.Size() != K*K {
		panic(fmt.Sprintf("nn.%s: parameter shapes start %v, end %v, transitions %v do not fit %d tags",
			op, c.StartTransitions.Shape(), c.EndTransitions.Shape(), c.Transitions.Shape(), K))
	}
	if emissions.NDim() != 3 || emissions.Dim(2) != K {
		panic(fmt.Sprintf("nn.%s: emissions of shape %v, want (batch, seq, %d)", op, emissions.Shape(), K))
	}
	B, T := emissions.Dim(0), emissions.Dim(1)
	checkLengths(op, lengths, T, B)
	p := &crfProblem{B: B, T: T, K: K, lengths: lengths,
		start: f64(c.StartTransitions.Data()), end: f64(c.EndTransitions.Data()), trans: f64(c.Transitions.Data())}
	if cs := c.Constraints; cs != nil {
		if (cs.Start != nil && len(cs.Start) != K) || (cs.End != nil && len(cs.End) != K) || (cs.Trans != nil && len(cs.Trans) != K) {
			panic(fmt.Sprintf("nn.%s: constraints of sizes start %d, end %d, trans %d for %d tags", op, len(cs.Start), len(cs.End), len(cs.Trans), K))
		}
		p.allowS, p.allowE = cs.Start, cs.End
		for j := range K {
			if cs.Start != nil && !cs.Start[j] {
				p.start[j] = math.Inf(-1)
			}
			if cs.End != nil && !cs.End[j] {
				p.end[j] = math.Inf(-1)
			}
		}
		if cs.Trans != nil {
			p.allowT = make([]bool, K*K)
			for i, row := range cs.Trans {
				if len(row) != K {
					panic(fmt.Sprintf("nn.%s: constraints row %d has %d entries for %d tags", op, i, len(row), K))
				}
				for j, ok := range row {
					p.allowT[i*K+j] = ok
					if !ok {
						p.trans[i*K+j] = math.Inf(-1)
					}
				}
			}
		}
	}
	return p
}

func f64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// run computes log Z − score(tags) per sentence (log Z alone for nil tags)
// as one differentiable op whose backward runs the backward algorithm and
// turns the marginals into gradients.
//
// Both passes use the scaled forward-backward algorithm (Rabiner): the
// forward vector is kept normalised to sum 1 and the logs of the
// normalisers are summed into log Z, and every exp(score) is split into
// exp(score − max) and the max, so a step costs K exps, one log and K²
// multiply-adds, and the backward pass no exps at all. Everything runs in
// float64; a spurious −∞ would need scores within one step that differ by
// more than about 700.
func (c *CRF) run(op string, emissions *tensor.Tensor, tags, lengths []int) *tensor.Tensor {
	p := c.prepare(op, emissions, lengths)
	B, T, K := p.B, p.T, p.K
	if tags != nil {
		if len(tags) != B*T {
			panic(fmt.Sprintf("nn.%s: %d tags for emissions of shape %v, want %d", op, len(tags), emissions.Shape(), B*T))
		}
		for b := range B {
			for t := range p.length(b) {
				if y := tags[b*T+t]; y < 0 || y >= K {
					panic(fmt.Sprintf("nn.%s: tag %d at (%d, %d) outside [0, %d)", op, y, b, t, K))
				}
			}
		}
	}
	em := emissions.Data()
	s := &crfScaled{p: p, em: em, tags: tags}
	s.ms, s.S = scaledExp(p.start)
	s.mf, s.F = scaledExp(p.end)
	s.gm, s.M = scaledExp(p.trans)
	s.ahat = make([]float64, B*T*K)
	s.E = make([]float64, B*T*K)
	s.cs = make([]float64, B*T)
	s.cEnd = make([]float64, B)
	s.logZ = make([]float64, B)
	out := make([]float32, B)
	parallelRows(B, T*K, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			L := p.length(b)
			if L == 0 {
				continue
			}
			s.forward(b, L)
			v := s.logZ[b]
			if tags != nil {
				v -= p.pathScore(em[b*T*K:], tags[b*T:b*T+L])
			}
			if math.IsNaN(v) { // −∞ − (−∞): no allowed path at all
				v = math.Inf(1)
			}
			out[b] = float32(v)
		}
	})
	value := tensor.New(out, B)
	return tensor.Custom(value, func(g *tensor.Tensor) []*tensor.Tensor {
		return s.backward(g.Data(), emissions, c)
	}, emissions, c.StartTransitions, c.EndTransitions, c.Transitions)
}

// crfScaled holds the scaled forward pass of one call for its backward.
type crfScaled struct {
	p          *crfProblem
	em         []float32
	tags       []int
	ms, mf, gm float64   // maxima of start, end, transitions
	S, F, M    []float64 // exp(x − max) of start, end, transitions
	ahat       []float64 // B·T·K normalised forward vectors â_t
	E          []float64 // B·T·K exp(e_t − max_j e_t)
	cs         []float64 // B·T normalisers c_t
	cEnd       []float64 // B: Σ_j â_{L-1}[j]·F[j]
	logZ       []float64
}

// forward runs the scaled forward algorithm over sentence b of length L.
func (s *crfScaled) forward(b, L int) {
	p := s.p
	T, K := p.T, p.K
	e := s.em[b*T*K:]
	ell := 0.0
	for t := range L {
		et := e[t*K : (t+1)*K]
		me := math.Inf(-1)
		for _, v := range et {
			me = max(me, float64(v))
		}
		E := s.E[(b*T+t)*K : (b*T+t+1)*K]
		for j, v := range et {
			E[j] = math.Exp(float64(v) - me)
		}
		a := s.ahat[(b*T+t)*K : (b*T+t+1)*K]
		if t == 0 {
			for j := range K {
				a[j] = s.S[j] * E[j]
			}
			ell = s.ms + me
		} else {
			prev := s.ahat[(b*T+t-1)*K : (b*T+t)*K]
			for i, ai := range prev {
				if ai == 0 {
					continue
				}
				row := s.M[i*K : (i+1)*K]
				for j := range K {
					a[j] += ai * row[j]
				}
			}
			for j := range K {
				a[j] *= E[j]
			}
			ell += s.gm + me
		}
		c := 0.0
		for _, v := range a {
			c += v
		}
		s.cs[b*T+t] = c
		if c == 0 || math.IsInf(ell, -1) {
			s.logZ[b] = math.Inf(-1)
			return
		}
		for j := range a {
			a[j] /= c
		}
		ell += math.Log(c)
	}
	last := s.ahat[(b*T+L-1)*K : (b*T+L)*K]
	cEnd := 0.0
	for j, v := range last {
		cEnd += v * s.F[j]
	}
	s.cEnd[b] = cEnd
	s.logZ[b] = ell + s.mf + math.Log(cEnd)
	if cEnd == 0 {
		s.logZ[b] = math.Inf(-1)
	}
}

// pathScore is score(y) with the constraints applied (−∞ if y takes a
// forbidden move).
func (p *crfProblem) pathScore(e []float32, y []int) float64 {
	K := p.K
	s := p.start[y[0]] + p.end[y[len(y)-1]]
	for t, yt := range y {
		s += float64(e[t*K+yt])
		if t > 0 {
			s += p.trans[y[t-1]*K+yt]
		}
	}
	return s
}

// scaledExp returns the maximum of x and exp(x − max); all −∞ gives −∞
// and zeros.
func scaledExp(x []float64) (m float64, ex []float64) {
	m = math.Inf(-1)
	for _, v := range x {
		m = max(m, v)
	}
	ex = make([]float64, len(x))
	if math.IsInf(m, -1) {
		return m, ex
	}
	for i, v := range x {
		ex[i] = math.Exp(v - m)
	}
	return m, ex
}

// backward returns the gradients of Σ_b g[b]·(log Z_b − score_b): for the
// emissions g[b]·(p(yₜ=j) − [gold yₜ = j]), and for the parameters the
// expected minus the gold counts of every start, end and transition, from
// the scaled backward vectors b̂ₜ: p(yₜ=j) = âₜ[j]·b̂ₜ[j] and
// p(yₜ₋₁=i, yₜ=j) = âₜ₋₁[i]·M[i][j]·Eₜ[j]·b̂ₜ[j]/cₜ. Parameter gradients are
// summed per sentence and then in sentence order, so they do not depend on
// the number of goroutines.
func (s *crfScaled) backward(g []float32, emissions *tensor.Tensor, c *CRF) []*tensor.Tensor {
	p := s.p
	B, T, K := p.B, p.T, p.K
	dEm := make([]float32, B*T*K)
	stride := 2*K + K*K
	perS := make([]float64, B*stride) // per sentence: start, end, trans
	parallelRows(B, T*K, func(lo, hi int) {
		bh := make([]float64, K)
		r := make([]float64, K)
		for b := lo; b < hi; b++ {
			L := p.length(b)
			gb := float64(g[b])
			if L == 0 || gb == 0 || math.IsInf(s.logZ[b], -1) {
				continue
			}
			var y []int
			if s.tags != nil {
				y = s.tags[b*T : b*T+L]
				if math.IsInf(p.pathScore(s.em[b*T*K:], y), -1) {
					continue // infinite loss: no gradient
				}
			}
			de := dEm[b*T*K:]
			acc := perS[b*stride : (b+1)*stride]
			dS, dE, dT := acc[:K], acc[K:2*K], acc[2*K:]
			for j := range K {
				bh[j] = s.F[j] / s.cEnd[b]
			}
			for t := L - 1; t >= 0; t-- {
				a := s.ahat[(b*T+t)*K : (b*T+t+1)*K]
				for j := range K {
					m := gb * a[j] * bh[j]
					de[t*K+j] = float32(m)
					if t == 0 {
						dS[j] = m
					}
					if t == L-1 {
						dE[j] = m
					}
				}
				if t == 0 {
					break
				}
				E := s.E[(b*T+t)*K : (b*T+t+1)*K]
				ct := s.cs[b*T+t]
				for j := range K {
					r[j] = E[j] * bh[j] / ct
				}
				prev := s.ahat[(b*T+t-1)*K : (b*T+t)*K]
				for i, ai := range prev {
					row := s.M[i*K : (i+1)*K]
					d := dT[i*K : (i+1)*K]
					sum := 0.0
					gai := gb * ai
					for j := range K {
						x := row[j] * r[j]
						sum += x
						d[j] += gai * x
					}
					bh[i] = sum
				}
			}
			if y != nil {
				for t, yt := range y {
					de[t*K+yt] -= float32(gb)
					if t > 0 {
						dT[y[t-1]*K+yt] -= gb
					}
				}
				dS[y[0]] -= gb
				dE[y[L-1]] -= gb
			}
		}
	})
	grads := make([]*tensor.Tensor, 4)
	if emissions.RequiresGrad() {
		grads[0] = tensor.New(dEm, emissions.Shape()...)
	}
	sum := func(off, n int, allow []bool, like *tensor.Tensor) *tensor.Tensor {
		if !like.RequiresGrad() {
			return nil
		}
		out := make([]float32, n)
		tot := make([]float64, n)
		for b := range B {
			acc := perS[b*stride+off:]
			for k := range n {
				tot[k] += acc[k]
			}
		}
		for k := range n {
			if allow == nil || allow[k] {
				out[k] = float32(tot[k])
			}
		}
		return tensor.New(out, like.Shape()...)
	}
	grads[1] = sum(0, K, p.allowS, c.StartTransitions)
	grads[2] = sum(K, K, p.allowE, c.EndTransitions)
	grads[3] = sum(2*K, K*K, p.allowT, c.Transitions)
	return grads
}

// BIOConstraints returns the constraints of a tagging scheme for the tags
// named in tags (tag index = position): IOB2/BIO when no tag starts with
// "E-" or "S-", IOBES (BIOES) otherwise. In BIO, I-X may only follow B-X or
// I-X and cannot start a sentence. In IOBES, a sentence starts with O, B-X
// or S-X and ends with O, E-X or S-X; B-X and I-X are followed by I-X or E-X
// of the same type, and O, E-X and S-X by O, B-Y or S-Y. A tag that is not
// O and has no known prefix is an error.
func BIOConstraints(tags []string) (*CRFConstraints, error) {
	type tag struct{ prefix, typ string }
	parsed := make([]tag, len(tags))
	iobes := false
	for i, s := range tags {
		if s == "O" {
			parsed[i] = tag{"O", ""}
			continue
		}
		pre, typ, ok := strings.Cut(s, "-")
		if !ok || typ == "" || !strings.Contains("BIES", pre) || len(pre) != 1 {
			return nil, fmt.Errorf("nn.BIOConstraints: tag %d %q is neither O nor B-, I-, E-, S- followed by a type", i, s)
		}
		if pre == "E" || pre == "S" {
			iobes = true
		}
		parsed[i] = tag{pre, typ}
	}
	K := len(tags)
	c := &CRFConstraints{Start: make([]bool, K), End: make([]bool, K), Trans: make([][]bool, K)}
	for i, a := range parsed {
		c.Trans[i] = make([]bool, K)
		if iobes {
			c.Start[i] = a.prefix == "O" || a.prefix == "B" || a.prefix == "S"
			c.End[i] = a.prefix == "O" || a.prefix == "E" || a.prefix == "S"
		} else {
			c.Start[i] = a.prefix != "I"
			c.End[i] = true
		}
		for j, b := range parsed {
			var ok bool
			switch {
			case iobes && (a.prefix == "B" || a.prefix == "I"):
				ok = (b.prefix == "I" || b.prefix == "E") && b.typ == a.typ
			case iobes:
				ok = b.prefix == "O" || b.prefix == "B" || b.prefix == "S"
			case b.prefix == "I":
				ok = (a.prefix == "B" || a.prefix == "I") && a.typ == b.typ
			default:
				ok = true
			}
			c.Trans[i][j] = ok
		}
	}
	return c, nil
}
