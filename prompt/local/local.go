package local

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/prompt"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/text"
)

// CausalLM is a causal language model: Forward returns the next-token
// logits (n, t, V) of n sequences of t token ids given in row-major order,
// the logits at position i depending on ids 0..i only. *models.GPT is one.
//
// A model that also has GPT's key/value cache (NewCache and ForwardCache
// with a *models.KVCache) is fed one new token per generated token;
// otherwise Generate runs Forward on the whole sequence at every step.
type CausalLM interface {
	Forward(ids []int, n, t int) *tensor.Tensor
}

// cachedLM is a CausalLM with *models.GPT's key/value cache.
type cachedLM interface {
	CausalLM
	NewCache() *models.KVCache
	ForwardCache(ids []int, n, t int, cache *models.KVCache) *tensor.Tensor
}

// Tokenizer turns text into the model's token ids and back; *text.BPE is
// one. Encode must not add special tokens (text.Tokenizer's contract).
type Tokenizer interface {
	Encode(s string) []int
	Decode(ids []int) string
}

// LM serves a CausalLM and its Tokenizer as a prompt.LM. Make one with New.
type LM struct {
	model     CausalLM
	tok       Tokenizer
	maxPos    int // 0: unknown
	vocab     int // 0: unknown
	bos, eos  int // -1: none
	maxTokens int

	mu  sync.Mutex // one call at a time on the model, and on rng
	rng *rand.Rand
}

var _ prompt.LM = (*LM)(nil)

// Option configures New.
type Option func(*LM)

// WithMaxPositions sets the number of positions the model can attend over
// (its context length). It is read from a *models.GPT's config; other
// models have no limit checked unless this option is given.
func WithMaxPositions(n int) Option { return func(l *LM) { l.maxPos = n } }

// WithBOS sets the id put before the continuation when the prefix of
// Score, or the prompt of Generate, encodes to no tokens (-1: none, then
// an empty prefix is an error). The default is the tokenizer's BOS id, or
// its EOS id, if it has a Special method as text.Tokenizer does: GPT-2
// uses <|endoftext|> for both.
func WithBOS(id int) Option { return func(l *LM) { l.bos = id } }

// WithEOS sets the id at which Generate stops, without returning it (-1:
// none). The default is the tokenizer's EOS id if it has a Special method.
func WithEOS(id int) Option { return func(l *LM) { l.eos = id } }

// WithMaxTokens sets the number of tokens Generate writes when
// GenOptions.MaxTokens is 0 (default 64).
func WithMaxTokens(n int) Option { return func(l *LM) { l.maxTokens = n } }

// WithRand sets the random source that sampling draws from when
// GenOptions.Seed is 0 (default: a PCG seeded with 1, 2), so successive
// sampled calls differ but a run is reproducible.
func WithRand(rng *rand.Rand) Option { return func(l *LM) { l.rng = rng } }

// New returns an LM over model and tok. It switches model to evaluation
// mode (nn.SetTraining(model, false)), so that dropout does not make
// scores random; switch it back to train it further. Calls run the model
// with its parameters frozen (no autodiff graph) and restore them after.
// It panics if model or tok is nil.
func New(model CausalLM, tok Tokenizer, opts ...Option) *LM {
	if model == nil || tok == nil {
		panic("local.New: nil model or tokenizer")
	}
	l := &LM{model: model, tok: tok, bos: -1, eos: -1, maxTokens: 64}
	if g, ok := model.(*models.GPT); ok {
		l.maxPos, l.vocab = g.Config.MaxPositions, g.Config.VocabSize
	}
	if s, ok := tok.(interface{ Special() text.Special }); ok {
		sp := s.Special()
		l.bos, l.eos = sp.BOS, sp.EOS
		if l.bos < 0 {
			l.bos = sp.EOS
		}
	}
	for _, o := range opts {
		o(l)
	}
	if l.rng == nil {
		l.rng = rand.New(rand.NewPCG(1, 2))
	}
	nn.SetTraining(model, false)
	return l
}

// encodeWithStart encodes s, or returns [BOS] if s encodes to no tokens.
func (l *LM) encodeWithStart(op, s string) ([]int, error) {
	ids := l.tok.Encode(s)
	if len(ids) > 0 {
		return ids, nil
	}
	if l.bos < 0 {
		return nil, fmt.Errorf("local: %s: empty prefix and no BOS id (use local.WithBOS)", op)
	}
	return []int{l.bos}, nil
}

// checkVocab returns an error if an id is outside the model's vocabulary,
// where it is known.
func (l *LM) checkVocab(op string, ids []int) error {
	if l.vocab <= 0 {
		return nil
	}
	for _, id := range ids {
		if id < 0 || id >= l.vocab {
			return fmt.Errorf("local: %s: token id %d outside the model's vocabulary of %d", op, id, l.vocab)
		}
	}
	return nil
}

// Score returns log p(continuation | prefix) under the model, natural log.
//
// Boundary rule: the prefix and the continuation are encoded separately
// and their ids concatenated, so the continuation is scored as the tokens
// Encode(continuation) even where encoding the joined text would merge
// across the boundary. With a byte-level BPE this equals the tokens of the
// joined text when the prefix ends at a word boundary and the
// continuation carries the space (" list flights"): put the space on the
// continuation, not at the end of the prefix. A prefix that encodes to no
// tokens is replaced by the BOS id (WithBOS).
//
// All tokens run in one forward pass; the prefix's tokens are not scored.
// An empty continuation scores 0. Prefix and continuation together longer
// than the model's positions are an error, as is a cancelled ctx.
func (l *LM) Score(ctx context.Context, prefix, continuation string) (prompt.Score, error) {
	cont := l.tok.Encode(continuation)
	if len(cont) == 0 {
		return prompt.Score{}, nil
	}
	pre, err := l.encodeWithStart("score", prefix)
	if err != nil {
		return prompt.Score{}, err
	}
	ids := slices.Concat(pre, cont)
	if l.maxPos > 0 && len(ids) > l.maxPos {
		return prompt.Score{}, fmt.Errorf("local: score: prefix of %d tokens and continuation of %d exceed the model's %d positions", len(pre), len(cont), l.maxPos)
	}
	if err := l.checkVocab("score", ids); err != nil {
		return prompt.Score{}, err
	}
	if err := ctx.Err(); err != nil {
		return prompt.Score{}, fmt.Errorf("local: score: %w", err)
	}
	logits := l.forward(ids)
	if s := logits.Shape(); len(s) != 3 || s[0] != 1 || s[1] != len(ids) {
		return prompt.Score{}, fmt.Errorf("local: score: model returned logits of shape %v for 1 × %d ids, want (1, %d, V)", s, len(ids), len(ids))
	}
	v, data := logits.Dim(2), logits.Data()
	sc := prompt.Score{Tokens: make([]string, len(cont)), LogProbs: make([]float64, len(cont))}
	for j, id := range cont {
		if id >= v {
			return prompt.Score{}, fmt.Errorf("local: score: token id %d outside the model's %d logits", id, v)
		}
		p := len(pre) + j - 1 // the position whose logits predict cont[j]
		lp := logProb(data[p*v:(p+1)*v], id)
		sc.Tokens[j] = l.tok.Decode([]int{id})
		sc.LogProbs[j] = lp
		sc.Total += lp
	}
	return sc, nil
}

// forward runs the model on one sequence, frozen, holding the lock.
func (l *LM) forward(ids []int) *tensor.Tensor {
	l.mu.Lock()
	defer l.mu.Unlock()
	defer nn.Freeze(l.model)()
	return l.model.Forward(ids, 1, len(ids))
}

// logProb returns log softmax(logits)[id], computed in float64.
func logProb(logits []float32, id int) float64 {
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

// Generate returns the text the model writes after prompt (an empty prompt
// starts from the BOS id). Temperature 0 picks the most likely token at
// every step (models.Greedy); a positive Temperature samples from
// softmax(logits/Temperature) after keeping the TopK most likely tokens
// and then the smallest set whose probabilities reach TopP
// (models.Sample). Sampling draws from a PCG seeded with Seed, or from the
// LM's own source (WithRand) if Seed is 0.
//
// Generation stops after MaxTokens tokens (WithMaxTokens if 0), at the EOS
// id (not returned), before the first of the Stop strings (not returned),
// or when the model's positions run out. A prompt longer than the model's
// positions is an error, as are invalid options and a cancelled ctx, which
// is checked before each token.
func (l *LM) Generate(ctx context.Context, text string, o prompt.GenOptions) (string, error) {
	if o.MaxTokens < 0 || o.Temperature < 0 || o.TopK < 0 || o.TopP < 0 || o.TopP > 1 || math.IsNaN(o.Temperature) || math.IsNaN(o.TopP) {
		return "", fmt.Errorf("local: generate: invalid options (MaxTokens %d, Temperature %v, TopK %d, TopP %v)", o.MaxTokens, o.Temperature, o.TopK, o.TopP)
	}
	ids, err := l.encodeWithStart("generate", text)
	if err != nil {
		return "", err
	}
	if err := l.checkVocab("generate", ids); err != nil {
		return "", err
	}
	maxNew := o.MaxTokens
	if maxNew == 0 {
		maxNew = l.maxTokens
	}
	if l.maxPos > 0 {
		if len(ids) > l.maxPos {
			return "", fmt.Errorf("local: generate: prompt of %d tokens exceeds the model's %d positions", len(ids), l.maxPos)
		}
		// The k-th new token is predicted at position len(ids)+k-2.
		maxNew = min(maxNew, l.maxPos-len(ids)+1)
	}
	sample := sampler(o)

	l.mu.Lock()
	defer l.mu.Unlock()
	defer nn.Freeze(l.model)()
	rng := l.rng
	if o.Seed != 0 {
		rng = rand.New(rand.NewPCG(o.Seed, o.Seed))
	}
	cm, cached := l.model.(cachedLM)
	var cache *models.KVCache
	if cached {
		cache = cm.NewCache()
	}
	seq, feed := ids, ids
	var out []int
	for len(out) < maxNew {
		if err := ctx.Err(); err != nil {
			return "", fmt.Errorf("local: generate: %w", err)
		}
		var logits *tensor.Tensor
		if cached {
			logits = cm.ForwardCache(feed, 1, len(feed), cache)
		} else {
			logits = l.model.Forward(seq, 1, len(seq))
		}
		v, data := logits.Dim(logits.NDim()-1), logits.Data()
		tok := sample(data[len(data)-v:], rng)
		if tok == l.eos {
			break
		}
		out = append(out, tok)
		seq = append(seq, tok)
		feed = []int{tok}
		if len(o.Stop) > 0 {
			s := l.tok.Decode(out)
			if i := firstStop(s, o.Stop); i >= 0 {
				return s[:i], nil
			}
		}
	}
	return l.tok.Decode(out), nil
}

// firstStop returns the index of the earliest occurrence in s of any
// non-empty stop string, or -1.
func firstStop(s string, stops []string) int {
	best := -1
	for _, st := range stops {
		if st == "" {
			continue
		}
		if i := strings.Index(s, st); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	return best
}

// sampler returns the models.Sampler for o: Greedy at temperature 0,
// otherwise models.Sample with o's temperature, top-k and top-p.
func sampler(o prompt.GenOptions) models.Sampler {
	if o.Temperature == 0 {
		return models.Greedy
	}
	return models.Sample(o.Temperature, o.TopK, o.TopP)
}

// chatStops end an assistant turn of a flattened chat where the model
// starts the next turn.
var chatStops = []string{"\nUser:", "\nSystem:", "\nAssistant:"}

// Chat returns the assistant's reply to msgs: Generate on
// prompt.Flatten(msgs) with the options' Stop strings plus "\nUser:",
// "\nSystem:" and "\nAssistant:", its spaces trimmed. It suits base models
// trained on plain text; a model fine-tuned with its own chat template
// should be prompted with that template through Generate.
func (l *LM) Chat(ctx context.Context, msgs []prompt.Message, o prompt.GenOptions) (string, error) {
	if len(msgs) == 0 {
		return "", errors.New("local: chat: no messages")
	}
	o.Stop = slices.Concat(o.Stop, chatStops)
	s, err := l.Generate(ctx, prompt.Flatten(msgs), o)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(s), nil
}
