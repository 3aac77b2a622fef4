package nn_test

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/cairn-ml/cairn/internal/torchfix"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

// randCRF returns a CRF with parameters from U(-scale, scale), far from
// the tiny initial values so that paths differ clearly in score.
func randCRF(rng *rand.Rand, K int, scale float32) *nn.CRF {
	c := nn.NewCRF(rng, K)
	for _, p := range []*tensor.Tensor{c.StartTransitions, c.EndTransitions, c.Transitions} {
		for i := range p.Data() {
			p.Data()[i] = (rng.Float32()*2 - 1) * scale
		}
	}
	return c
}

// bruteCRF enumerates every one of the K^L paths of one sentence, in
// float64: it returns log Z over the allowed paths, and the best path and
// its score. score(path) is exposed for gold tags.
type bruteCRF struct {
	K                 int
	start, end, trans []float64
}

func newBrute(c *nn.CRF) *bruteCRF {
	K := c.NumTags()
	b := &bruteCRF{K: K}
	conv := func(x []float32) []float64 {
		out := make([]float64, len(x))
		for i, v := range x {
			out[i] = float64(v)
		}
		return out
	}
	b.start, b.end, b.trans = conv(c.StartTransitions.Data()), conv(c.EndTransitions.Data()), conv(c.Transitions.Data())
	if cs := c.Constraints; cs != nil {
		for j := range K {
			if cs.Start != nil && !cs.Start[j] {
				b.start[j] = math.Inf(-1)
			}
			if cs.End != nil && !cs.End[j] {
				b.end[j] = math.Inf(-1)
			}
			for i := range K {
				if cs.Trans != nil && !cs.Trans[i][j] {
					b.trans[i*K+j] = math.Inf(-1)
				}
			}
		}
	}
	return b
}

func (b *bruteCRF) score(e []float32, y []int) float64 {
	K := b.K
	s := b.start[y[0]] + b.end[y[len(y)-1]]
	for t, yt := range y {
		s += float64(e[t*K+yt])
		if t > 0 {
			s += b.trans[y[t-1]*K+yt]
		}
	}
	return s
}

// enumerate returns log Z, the argmax path and its score for the sentence
// with emissions e (L×K).
func (b *bruteCRF) enumerate(e []float32, L int) (logZ float64, best []int, bestScore float64) {
	if L == 0 {
		return 0, []int{}, 0
	}
	y := make([]int, L)
	var scores []float64
	bestScore = math.Inf(-1)
	for {
		s := b.score(e, y)
		scores = append(scores, s)
		if s > bestScore || best == nil {
			bestScore, best = s, slices.Clone(y)
		}
		i := L - 1
		for i >= 0 && y[i] == b.K-1 {
			y[i] = 0
			i--
		}
		if i < 0 {
			break
		}
		y[i]++
	}
	m := slices.Max(scores)
	if math.IsInf(m, -1) {
		return m, best, bestScore
	}
	sum := 0.0
	for _, s := range scores {
		sum += math.Exp(s - m)
	}
	return m + math.Log(sum), best, bestScore
}

// randomConstraints forbids about a third of every kind of move, keeping
// the tag 0 → 0 path allowed so that some path always is.
func randomConstraints(rng *rand.Rand, K int) *nn.CRFConstraints {
	c := &nn.CRFConstraints{Start: make([]bool, K), End: make([]bool, K), Trans: make([][]bool, K)}
	for i := range K {
		c.Start[i] = i == 0 || rng.IntN(3) > 0
		c.End[i] = i == 0 || rng.IntN(3) > 0
		c.Trans[i] = make([]bool, K)
		for j := range K {
			c.Trans[i][j] = (i == 0 && j == 0) || rng.IntN(3) > 0
		}
	}
	return c
}

// TestCRFBruteForce checks log Z, the log-likelihood of the best and of a
// random gold path, and Viterbi against enumeration of all K^T paths, for
// K = 3, 4, T = 1..5, sentences of different lengths in one batch, with and
// without constraints.
func TestCRFBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, K := range []int{3, 4} {
		for T := 1; T <= 5; T++ {
			for _, constrained := range []bool{false, true} {
				c := randCRF(rng, K, 2)
				if constrained {
					c.Constraints = randomConstraints(rng, K)
				}
				B := 4
				lengths := []int{T, rng.IntN(T + 1), 1, max(T-1, 0)}
				em := tensor.Uniform(rng, -3, 3, B, T, K)
				bf := newBrute(c)
				logZ := c.LogPartition(em, lengths).Data()
				paths, scores := c.Decode(em, lengths)
				tags := make([]int, B*T)
				wantLL := make([]float64, B)
				for b := range B {
					L := lengths[b]
					e := em.Data()[b*T*K:]
					z, best, bestScore := bf.enumerate(e, L)
					name := fmt.Sprintf("K=%d T=%d constrained=%v sentence %d (length %d)", K, T, constrained, b, L)
					if math.Abs(float64(logZ[b])-z) > 1e-4*max(1, math.Abs(z)) {
						t.Errorf("%s: log Z %v, brute force %v", name, logZ[b], z)
					}
					if !slices.Equal(paths[b], best) {
						t.Errorf("%s: Viterbi %v, brute force %v", name, paths[b], best)
					}
					if math.Abs(float64(scores[b])-bestScore) > 1e-4*max(1, math.Abs(bestScore)) {
						t.Errorf("%s: Viterbi score %v, brute force %v", name, scores[b], bestScore)
					}
					// Gold: the best path for even sentences, a random one
					// (maybe forbidden: log-likelihood −∞) for odd ones.
					gold := best
					if b%2 == 1 && L > 0 {
						gold = make([]int, L)
						for i := range gold {
							gold[i] = rng.IntN(K)
						}
					}
					copy(tags[b*T:], gold)
					if L > 0 {
						wantLL[b] = bf.score(e, gold) - z
					}
				}
				ll := c.LogLikelihood(em, tags, lengths).Data()
				for b := range B {
					want := wantLL[b]
					if math.IsInf(want, -1) {
						if !math.IsInf(float64(ll[b]), -1) {
							t.Errorf("K=%d T=%d sentence %d: forbidden gold path has log-likelihood %v, want -Inf", K, T, b, ll[b])
						}
						continue
					}
					if math.Abs(float64(ll[b])-want) > 1e-4*max(1, math.Abs(want)) {
						t.Errorf("K=%d T=%d constrained=%v sentence %d: log-likelihood %v, brute force %v", K, T, constrained, b, ll[b], want)
					}
					if ll[b] > 1e-5 {
						t.Errorf("log-likelihood %v > 0", ll[b])
					}
				}
			}
		}
	}
}

// TestCRFGradCheck checks the fused backward (forward-backward marginals)
// of NLL and LogPartition against finite differences, with respect to the
// emissions and the three parameter tensors, with padding and with
// constraints.
func TestCRFGradCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const B, T, K = 2, 4, 3
	lengths := []int{4, 2}
	for _, constrained := range []bool{false, true} {
		c := randCRF(rng, K, 1)
		if constrained {
			c.Constraints = &nn.CRFConstraints{
				Start: []bool{true, true, false},
				End:   []bool{true, false, true},
				Trans: [][]bool{{true, true, false}, {true, false, true}, {true, true, true}},
			}
		}
		// Gold paths that respect the constraints above.
		tags := []int{0, 1, 2, 0, 1, 0, 2, 2}
		em := tensor.Uniform(rng, -1, 1, B, T, K)
		nll := func(in ...*tensor.Tensor) *tensor.Tensor {
			d := &nn.CRF{StartTransitions: in[1], EndTransitions: in[2], Transitions: in[3], Constraints: c.Constraints}
			return d.NLL(in[0], tags, lengths, nn.WithReduction(nn.ReduceNone))
		}
		logZ := func(in ...*tensor.Tensor) *tensor.Tensor {
			d := &nn.CRF{StartTransitions: in[1], EndTransitions: in[2], Transitions: in[3], Constraints: c.Constraints}
			return d.LogPartition(in[0], lengths)
		}
		in := []*tensor.Tensor{em, c.StartTransitions.Detach().Clone(), c.EndTransitions.Detach().Clone(), c.Transitions.Detach().Clone()}
		t.Run(fmt.Sprintf("nll constrained=%v", constrained), func(t *testing.T) { tensortest.GradCheck(t, nll, in...) })
		t.Run(fmt.Sprintf("logz constrained=%v", constrained), func(t *testing.T) { tensortest.GradCheck(t, logZ, in...) })
	}
}

// TestCRFGradMarginals checks two closed forms of the gradient: the
// gradient of Σ log Z with respect to the emissions is the tag marginals,
// which sum to 1 at every real position and are 0 at padding.
func TestCRFGradMarginals(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	c := randCRF(rng, 4, 2)
	em := tensor.Uniform(rng, -2, 2, 3, 5, 4).SetRequiresGrad(true)
	lengths := []int{5, 2, 0}
	c.LogPartition(em, lengths).SumAll().Backward()
	g := em.Grad().Data()
	for b, L := range lengths {
		for pos := range 5 {
			s := float32(0)
			for j := range 4 {
				s += g[(b*5+pos)*4+j]
			}
			want := float32(0)
			if pos < L {
				want = 1
			}
			if math.Abs(float64(s-want)) > 1e-5 {
				t.Errorf("sentence %d position %d: marginals sum to %v, want %v", b, pos, s, want)
			}
		}
	}
}

// TestCRFBatchEqualsSingle checks that a padded batch gives each sentence
// the same loss, emission gradient and Viterbi path as the sentence alone,
// and that the parameter gradients of the batch are the sums of the
// sentences' gradients.
func TestCRFBatchEqualsSingle(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const B, T, K = 5, 7, 4
	c := randCRF(rng, K, 1)
	lengths := []int{7, 3, 1, 6, 0}
	em := tensor.Uniform(rng, -2, 2, B, T, K).SetRequiresGrad(true)
	tags := make([]int, B*T)
	for i := range tags {
		tags[i] = rng.IntN(K)
	}
	loss := c.NLL(em, tags, lengths, nn.WithReduction(nn.ReduceNone))
	loss.SumAll().Backward()
	batchLoss := loss.Data()
	batchGrad := em.Grad().Data()
	wantTrans := slices.Clone(c.Transitions.Grad().Data())
	wantStart := slices.Clone(c.StartTransitions.Grad().Data())
	paths, scores := c.Decode(em.Detach(), lengths)
	nn.ZeroGrad(c)
	sumTrans := make([]float32, K*K)
	sumStart := make([]float32, K)
	for b, L := range lengths {
		if L == 0 {
			if batchLoss[b] != 0 || len(paths[b]) != 0 || scores[b] != 0 {
				t.Errorf("empty sentence: loss %v, path %v, score %v", batchLoss[b], paths[b], scores[b])
			}
			continue
		}
		one := tensor.New(slices.Clone(em.Data()[b*T*K:b*T*K+L*K]), 1, L, K).SetRequiresGrad(true)
		l := c.NLL(one, tags[b*T:b*T+L], nil)
		l.Backward()
		if d := math.Abs(float64(l.Item() - batchLoss[b])); d > 1e-5 {
			t.Errorf("sentence %d: batch loss %v, alone %v", b, batchLoss[b], l.Item())
		}
		torchfix.Close(t, fmt.Sprintf("sentence %d emission grad", b), one.Grad().Reshape(L*K),
			tensor.New(batchGrad[b*T*K:b*T*K+L*K], L*K), 1e-5, 1e-6)
		for pos := L; pos < T; pos++ {
			for j := range K {
				if g := batchGrad[(b*T+pos)*K+j]; g != 0 {
					t.Errorf("sentence %d: gradient %v at padding position %d", b, g, pos)
				}
			}
		}
		p1, s1 := c.Decode(one.Detach(), nil)
		if !slices.Equal(p1[0], paths[b]) || math.Abs(float64(s1[0]-scores[b])) > 1e-5 {
			t.Errorf("sentence %d: batch Viterbi %v (%v), alone %v (%v)", b, paths[b], scores[b], p1[0], s1[0])
		}
		for i, g := range c.Transitions.Grad().Data() {
			sumTrans[i] += g
		}
		for i, g := range c.StartTransitions.Grad().Data() {
			sumStart[i] += g
		}
		nn.ZeroGrad(c)
	}
	torchfix.Close(t, "transitions grad", tensor.New(wantTrans, K, K), tensor.New(sumTrans, K, K), 1e-5, 1e-5)
	torchfix.Close(t, "start grad", tensor.New(wantStart, K), tensor.New(sumStart, K), 1e-5, 1e-5)
}

// crfCase is the metadata of one case of testdata/crf_parity.json.
type crfCase struct {
	Lengths []int    `json:"lengths"`
	Tags    []string `json:"tags"`
}

// TestCRFTorchParity replays crf_parity.py: a pure-torch reference of
// pytorch-crf's CRF in float64 (with BIO constraints as −∞ in one case):
// per-sentence NLL and log Z, the mean loss and its gradients with respect
// to the emissions and the three parameters (autograd), and Viterbi.
func TestCRFTorchParity(t *testing.T) {
	f := torchfix.Load(t, "testdata/crf_parity.json")
	var cases map[string]crfCase
	f.MetaValue(t, "cases", &cases)
	for _, name := range slices.Sorted(maps.Keys(cases)) {
		cs := cases[name]
		t.Run(name, func(t *testing.T) {
			get := func(k string) *tensor.Tensor { return f.T(t, name+"."+k) }
			c := &nn.CRF{
				StartTransitions: get("start").SetRequiresGrad(true),
				EndTransitions:   get("end").SetRequiresGrad(true),
				Transitions:      get("trans").SetRequiresGrad(true),
			}
			if cs.Tags != nil {
				var err error
				if c.Constraints, err = nn.BIOConstraints(cs.Tags); err != nil {
					t.Fatal(err)
				}
			}
			em := get("emissions").SetRequiresGrad(true)
			tags := f.Ints(t, name+".tags")
			torchfix.Close(t, "nll", c.NLL(em, tags, cs.Lengths, nn.WithReduction(nn.ReduceNone)), get("nll"), 1e-5, 1e-5)
			torchfix.Close(t, "logz", c.LogPartition(em, cs.Lengths), get("logz"), 1e-5, 1e-5)
			loss := c.NLL(em, tags, cs.Lengths)
			torchfix.Close(t, "loss", loss, get("loss"), 1e-5, 1e-5)
			loss.Backward()
			torchfix.Close(t, "grad emissions", em.Grad(), get("grad_emissions"), 1e-4, 1e-6)
			torchfix.Close(t, "grad start", c.StartTransitions.Grad(), get("grad_start"), 1e-4, 1e-6)
			torchfix.Close(t, "grad end", c.EndTransitions.Grad(), get("grad_end"), 1e-4, 1e-6)
			torchfix.Close(t, "grad trans", c.Transitions.Grad(), get("grad_trans"), 1e-4, 1e-6)
			paths, scores := c.Decode(em.Detach(), cs.Lengths)
			wantPaths := f.Ints(t, name+".paths")
			T := em.Dim(1)
			for b, p := range paths {
				want := wantPaths[b*T : b*T+cs.Lengths[b]]
				if !slices.Equal(p, want) {
					t.Errorf("sentence %d: path %v, torch %v", b, p, want)
				}
			}
			torchfix.Close(t, "scores", tensor.New(scores, len(scores)), get("scores"), 1e-5, 1e-5)
		})
	}
}

// TestCRFReductions checks the mean and sum reductions against the
// per-sentence losses, and that LogLikelihood is −NLL.
func TestCRFReductions(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	c := randCRF(rng, 3, 1)
	em := tensor.Uniform(rng, -1, 1, 3, 4, 3)
	tags := make([]int, 12)
	for i := range tags {
		tags[i] = rng.IntN(3)
	}
	lengths := []int{4, 1, 3}
	none := c.NLL(em, tags, lengths, nn.WithReduction(nn.ReduceNone)).Data()
	ll := c.LogLikelihood(em, tags, lengths).Data()
	sum := float32(0)
	for i, v := range none {
		sum += v
		if ll[i] != -v {
			t.Errorf("sentence %d: log-likelihood %v, NLL %v", i, ll[i], v)
		}
	}
	if got := c.NLL(em, tags, lengths, nn.WithReduction(nn.ReduceSum)).Item(); math.Abs(float64(got-sum)) > 1e-5 {
		t.Errorf("sum %v, want %v", got, sum)
	}
	if got := c.NLL(em, tags, lengths).Item(); math.Abs(float64(got-sum/3)) > 1e-5 {
		t.Errorf("mean %v, want %v", got, sum/3)
	}
}

// TestCRFNames checks the state_dict names pytorch-crf uses.
func TestCRFNames(t *testing.T) {
	var got []string
	for _, n := range nn.NamedParams(nn.NewCRF(rand.New(rand.NewPCG(1, 1)), 5)) {
		got = append(got, fmt.Sprint(n.Name, n.Tensor.Shape()))
	}
	want := []string{"start_transitions[5]", "end_transitions[5]", "transitions[5 5]"}
	if !slices.Equal(got, want) {
		t.Errorf("names %v, want %v", got, want)
	}
}

// TestBIOConstraints checks the allowed moves of small BIO and IOBES tag
// sets, written out by hand, and the error on an unknown tag.
func TestBIOConstraints(t *testing.T) {
	c, err := nn.BIOConstraints([]string{"O", "B-PER", "I-PER", "B-LOC", "I-LOC"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, true, false, true, false}; !slices.Equal(c.Start, want) {
		t.Errorf("BIO start %v, want %v", c.Start, want)
	}
	if want := []bool{true, true, true, true, true}; !slices.Equal(c.End, want) {
		t.Errorf("BIO end %v, want %v", c.End, want)
	}
	wantT := [][]bool{
		{true, true, false, true, false}, // O →
		{true, true, true, true, false},  // B-PER →
		{true, true, true, true, false},  // I-PER →
		{true, true, false, true, true},  // B-LOC →
		{true, true, false, true, true},  // I-LOC →
	}
	for i := range wantT {
		if !slices.Equal(c.Trans[i], wantT[i]) {
			t.Errorf("BIO row %d %v, want %v", i, c.Trans[i], wantT[i])
		}
	}
	c, err = nn.BIOConstraints([]string{"O", "B-X", "I-X", "E-X", "S-X"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, true, false, false, true}; !slices.Equal(c.Start, want) {
		t.Errorf("IOBES start %v, want %v", c.Start, want)
	}
	if want := []bool{true, false, false, true, true}; !slices.Equal(c.End, want) {
		t.Errorf("IOBES end %v, want %v", c.End, want)
	}
	wantT = [][]bool{
		{true, true, false, false, true}, // O →
		{false, false, true, true, false},
		{false, false, true, true, false},
		{true, true, false, false, true}, // E-X →
		{true, true, false, false, true}, // S-X →
	}
	for i := range wantT {
		if !slices.Equal(c.Trans[i], wantT[i]) {
			t.Errorf("IOBES row %d %v, want %v", i, c.Trans[i], wantT[i])
		}
	}
	for _, bad := range []string{"PER", "X-PER", "B-", "b-PER", "BI-PER"} {
		if _, err := nn.BIOConstraints([]string{"O", bad}); err == nil {
			t.Errorf("tag %q: no error", bad)
		}
	}
}

// TestCRFDecodeConstrained checks that constraints change Viterbi's choice:
// emissions that favour I-PER right after O yield B-PER I-PER... only when
// constrained.
func TestCRFDecodeConstrained(t *testing.T) {
	tags := []string{"O", "B-PER", "I-PER"}
	c := &nn.CRF{StartTransitions: tensor.Zeros(3), EndTransitions: tensor.Zeros(3), Transitions: tensor.Zeros(3, 3)}
	em := tensor.New([]float32{
		0, -1, 3, // I-PER first: forbidden at the start
		0, -1, 3,
	}, 1, 2, 3)
	p, _ := c.Decode(em, nil)
	if !slices.Equal(p[0], []int{2, 2}) {
		t.Errorf("unconstrained path %v, want [2 2]", p[0])
	}
	var err error
	if c.Constraints, err = nn.BIOConstraints(tags); err != nil {
		t.Fatal(err)
	}
	p, s := c.Decode(em, nil)
	if !slices.Equal(p[0], []int{1, 2}) || s[0] != 2 {
		t.Errorf("constrained path %v score %v, want [1 2] score 2", p[0], s[0])
	}
}

// ExampleCRF decodes a three-word sentence with hand-set transitions and
// computes the loss of its gold tags.
func ExampleCRF() {
	// Tags O, B-PER, I-PER.
	crf := nn.NewCRF(rand.New(rand.NewPCG(1, 2)), 3)
	copy(crf.StartTransitions.Data(), []float32{0, 0, 0})
	copy(crf.EndTransitions.Data(), []float32{0, 0, 0})
	copy(crf.Transitions.Data(), []float32{
		0, 0, -5, // O → I-PER is unlikely
		0, -5, 2, // B-PER → I-PER is likely
		0, -5, 1,
	})
	emissions := tensor.New([]float32{
		2, 1, 0, // "met"
		0, 2, 1, // "Ada"
		1, 0, 1, // "Lovelace": O and I-PER tie on their own
	}, 1, 3, 3)
	paths, _ := crf.Decode(emissions, nil)
	fmt.Println(paths[0])
	loss := crf.NLL(emissions, []int{0, 1, 2}, nil)
	fmt.Printf("%.3f\n", loss.Item())
	// Output:
	// [0 1 2]
	// 0.560
}

func benchCRFSetup(b *testing.B) (*nn.CRF, *tensor.Tensor, []int, []int) {
	rng := rand.New(rand.NewPCG(1, 2))
	const B, T, K = 32, 30, 13
	c := nn.NewCRF(rng, K)
	em := tensor.Randn(rng, B, T, K).SetRequiresGrad(true)
	tags := make([]int, B*T)
	for i := range tags {
		tags[i] = rng.IntN(K)
	}
	lengths := make([]int, B)
	for i := range lengths {
		lengths[i] = T - rng.IntN(T/2)
	}
	return c, em, tags, lengths
}

// BenchmarkCRFNLL measures the loss and its backward at B=32, T=30, K=13
// (WNUT-17 with BIO tags).
func BenchmarkCRFNLL(b *testing.B) {
	c, em, tags, lengths := benchCRFSetup(b)
	for b.Loop() {
		c.NLL(em, tags, lengths).Backward()
	}
}

// BenchmarkCRFDecode measures Viterbi at B=32, T=30, K=13.
func BenchmarkCRFDecode(b *testing.B) {
	c, em, _, lengths := benchCRFSetup(b)
	em = em.Detach()
	for b.Loop() {
		c.Decode(em, lengths)
	}
}

// TestCRFLargeScores checks the scaled forward-backward algorithm against
// enumeration when scores within one step differ by hundreds: log Z,
// Viterbi, and gradients that stay finite and sum to 1 per position.
func TestCRFLargeScores(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const B, T, K = 2, 4, 3
	c := randCRF(rng, K, 40)
	c.Constraints = randomConstraints(rng, K)
	em := tensor.Uniform(rng, -150, 150, B, T, K).SetRequiresGrad(true)
	lengths := []int{4, 3}
	bf := newBrute(c)
	logZ := c.LogPartition(em, lengths)
	paths, _ := c.Decode(em.Detach(), lengths)
	for b, L := range lengths {
		z, best, _ := bf.enumerate(em.Data()[b*T*K:], L)
		if got := float64(logZ.Data()[b]); math.Abs(got-z) > 1e-5*math.Abs(z) {
			t.Errorf("sentence %d: log Z %v, brute force %v", b, got, z)
		}
		if !slices.Equal(paths[b], best) {
			t.Errorf("sentence %d: Viterbi %v, brute force %v", b, paths[b], best)
		}
	}
	logZ.SumAll().Backward()
	for i, g := range em.Grad().Data() {
		if math.IsNaN(float64(g)) || g < -1e-6 || g > 1+1e-6 {
			t.Fatalf("marginal %d = %v", i, g)
		}
	}
}

// TestCRFParallel checks that a batch large enough to be split between
// goroutines gives bit-for-bit the same losses, gradients and paths with
// GOMAXPROCS 1 and 4.
func TestCRFParallel(t *testing.T) {
	run := func(procs int) (loss, grad, tgrad []float32, paths [][]int) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		rng := rand.New(rand.NewPCG(13, 14))
		const B, T, K = 32, 20, 9
		c := randCRF(rng, K, 1)
		em := tensor.Randn(rng, B, T, K).SetRequiresGrad(true)
		tags := make([]int, B*T)
		for i := range tags {
			tags[i] = rng.IntN(K)
		}
		lengths := make([]int, B)
		for i := range lengths {
			lengths[i] = 1 + rng.IntN(T)
		}
		l := c.NLL(em, tags, lengths, nn.WithReduction(nn.ReduceNone))
		l.SumAll().Backward()
		paths, _ = c.Decode(em.Detach(), lengths)
		return l.Data(), em.Grad().Data(), c.Transitions.Grad().Data(), paths
	}
	l1, g1, t1, p1 := run(1)
	l4, g4, t4, p4 := run(4)
	if !slices.Equal(l1, l4) || !slices.Equal(g1, g4) || !slices.Equal(t1, t4) {
		t.Error("results differ between GOMAXPROCS 1 and 4")
	}
	for b := range p1 {
		if !slices.Equal(p1[b], p4[b]) {
			t.Errorf("sentence %d: path %v vs %v", b, p1[b], p4[b])
		}
	}
}
