package lens

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"unicode"
)

// Embedder maps texts to vectors for the semantic ("embedding") lens. The
// released tool used sentence-t5-base; any embedder works, rows need not be
// unit length (the lens divides by the squared Frobenius norm of the whole
// matrix, as the released code does). A *openai.Client (package
// prompt/openai) is one: it calls an OpenAI-compatible /v1/embeddings
// endpoint.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float64, error)
}

// EmbedFunc adapts a function to Embedder.
type EmbedFunc func(ctx context.Context, texts []string) ([][]float64, error)

// Embed calls f.
func (f EmbedFunc) Embed(ctx context.Context, texts []string) ([][]float64, error) {
	return f(ctx, texts)
}

// TFIDFEmbedder is the offline default embedder, a lexical stand-in for
// sentence-T5: TF-IDF over lower-cased word unigrams and bigrams and
// character 3- to 5-grams (of the lower-cased text with a space on either
// side), IDF fitted on the texts being embedded (smoothed: ln((1+n)/(1+df))+1),
// features hashed with a sign bit into Dim buckets, rows L2-normalised.
type TFIDFEmbedder struct {
	// Dim is the number of hash buckets; 0 means 1024.
	Dim int
}

// Embed implements Embedder. It never fails except on a cancelled context.
func (e TFIDFEmbedder) Embed(ctx context.Context, texts []string) ([][]float64, error) {
	dim := e.Dim
	if dim == 0 {
		dim = 1024
	}
	if dim < 0 {
		return nil, fmt.Errorf("lens: TFIDFEmbedder: Dim = %d < 0", dim)
	}
	feats := make([]map[string]float64, len(texts))
	df := map[string]int{}
	for i, t := range texts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f := textFeatures(t)
		feats[i] = f
		for k := range f {
			df[k]++
		}
	}
	n := float64(len(texts))
	out := make([][]float64, len(texts))
	for i, f := range feats {
		v := make([]float64, dim)
		for k, tf := range f {
			idf := math.Log((1+n)/(1+float64(df[k]))) + 1
			h := fnv.New64a()
			h.Write([]byte(k))
			s := h.Sum64()
			sign := 1.0
			if s>>63 == 1 {
				sign = -1
			}
			v[int(s%uint64(dim))] += sign * tf * idf
		}
		var nn float64
		for _, x := range v {
			nn += x * x
		}
		if nn > 0 {
			inv := 1 / math.Sqrt(nn)
			for j := range v {
				v[j] *= inv
			}
		}
		out[i] = v
	}
	return out, nil
}

func textFeatures(t string) map[string]float64 {
	f := map[string]float64{}
	low := strings.ToLower(t)
	words := strings.FieldsFunc(low, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) && r != '\'' })
	for i, w := range words {
		f["w:"+w]++
		if i > 0 {
			f["b:"+words[i-1]+" "+w]++
		}
	}
	rs := []rune(" " + strings.Join(strings.Fields(low), " ") + " ")
	for n := 3; n <= 5; n++ {
		for i := 0; i+n <= len(rs); i++ {
			f["c:"+string(rs[i:i+n])]++
		}
	}
	return f
}

// EmbeddingSimilarity is the released semantic similarity: E·Eᵀ divided
// twice by ‖E‖_F (the Frobenius norm of the whole matrix, the released
// code's normalisation; for unit rows this is cosine/n).
func EmbeddingSimilarity(E [][]float64) [][]float64 {
	var fro float64
	for _, r := range E {
		for _, x := range r {
			fro += x * x
		}
	}
	fro = math.Sqrt(fro)
	n := len(E)
	S := make([][]float64, n)
	for i := range S {
		S[i] = make([]float64, n)
	}
	parallelRows(n, func(i int) {
		for j := i; j < n; j++ {
			v := dot(E[i], E[j])
			if fro > 0 {
				v = v / fro / fro
			}
			S[i][j] = v
			S[j][i] = v
		}
	})
	return S
}

func dot(a, b []float64) float64 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("lens: EmbeddingSimilarity: vectors of length %d and %d", len(a), len(b)))
	}
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}
