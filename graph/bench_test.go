package graph

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cairn-ml/cairn/data"
)

var (
	pubmedOnce sync.Once
	pubmed     *Graph
	pubmedErr  error
)

// loadPubmedGraph loads the full Pubmed graph (its features are partial,
// which does not matter for propagation), skipping if it is absent.
func loadPubmedGraph(b *testing.B) *Graph {
	dir := filepath.Join(data.Dir(), "pubmed")
	if _, err := os.Stat(filepath.Join(dir, "edges.txt.gz")); err != nil {
		b.Skipf("Pubmed not found in %s (set CAIRN_DATA): %v", dir, err)
	}
	pubmedOnce.Do(func() {
		var ds *Dataset
		if ds, pubmedErr = LoadPlanetoid(dir); pubmedErr == nil {
			pubmed = ds.Graph
		}
	})
	if pubmedErr != nil {
		b.Fatal(pubmedErr)
	}
	return pubmed
}

func benchClosed(b *testing.B, g *Graph, lf bool) {
	a := g.NormAdj()
	h := randH(11, g.NumNodes(), 64)
	b.ResetTimer()
	for b.Loop() {
		var err error
		if lf {
			_, err = LFClosed(a, h, 0.1, 0.9, nil)
		} else {
			_, err = PPNP(a, h, 0.1, nil)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

func benchIter(b *testing.B, g *Graph) {
	a := g.NormAdj()
	h := randH(11, g.NumNodes(), 64)
	b.ResetTimer()
	for b.Loop() {
		if _, err := LFIter(a, h, 0.1, 0.9, 10); err != nil {
			b.Fatal(err)
		}
	}
}

// Closed-form propagation of 64 columns (tolerance 1e-8) on Cora (2,708
// nodes) and the full Pubmed graph (19,717 nodes); the K = 10 iteration
// for comparison.
func BenchmarkPPNPClosedCora64(b *testing.B)   { benchClosed(b, loadCora(b).Graph, false) }
func BenchmarkLFClosedCora64(b *testing.B)     { benchClosed(b, loadCora(b).Graph, true) }
func BenchmarkLFIter10Cora64(b *testing.B)     { benchIter(b, loadCora(b).Graph) }
func BenchmarkPPNPClosedPubmed64(b *testing.B) { benchClosed(b, loadPubmedGraph(b), false) }
func BenchmarkLFClosedPubmed64(b *testing.B)   { benchClosed(b, loadPubmedGraph(b), true) }
func BenchmarkLFIter10Pubmed64(b *testing.B)   { benchIter(b, loadPubmedGraph(b)) }
