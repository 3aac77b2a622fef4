package metrics_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/cairn-ml/cairn/metrics"
)

// Log-perplexity is Σ -log2 p; perplexity is 2^(mean bits).
func TestPerplexity(t *testing.T) {
	lp := []float64{math.Log(0.5), math.Log(0.25), math.Log(0.125)}
	if got := metrics.LogPerplexity(lp); math.Abs(got-6) > 1e-12 {
		t.Errorf("LogPerplexity = %v, want 6 bits", got)
	}
	if got := metrics.Perplexity(lp); math.Abs(got-4) > 1e-12 {
		t.Errorf("Perplexity = %v, want 2^(6/3) = 4", got)
	}
	// A uniform model over V tokens has perplexity V.
	u := make([]float64, 7)
	for i := range u {
		u[i] = -math.Log(50)
	}
	if got := metrics.Perplexity(u); math.Abs(got-50) > 1e-9 {
		t.Errorf("uniform perplexity %v, want 50", got)
	}
	if !math.IsNaN(metrics.Perplexity(nil)) {
		t.Error("Perplexity(nil) is not NaN")
	}
}

// The log-perplexity of a canary's secret and the perplexity of text, from
// the per-token probabilities a model gives them.
func ExampleLogPerplexity() {
	lnProbs := []float64{math.Log(0.5), math.Log(0.25)}
	fmt.Printf("%.1f bits, perplexity %.3f\n", metrics.LogPerplexity(lnProbs), metrics.Perplexity(lnProbs))
	// Output: 3.0 bits, perplexity 2.828
}
