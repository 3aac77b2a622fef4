package onnx_test

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/cairn-ml/cairn/nn/onnx"
)

// onnxFuzzSeeds returns the exported files of testdata, truncated and
// corrupted variants of them, and the hand-made malformed files.
func onnxFuzzSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	for _, p := range []string{"testdata/onnx_mlp.onnx", "testdata/onnx_mlp_f64.onnx", "testdata/onnx_fused.onnx", "testdata/onnx_cnn.onnx"} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
		if len(b) > 4096 {
			continue // only the whole of the larger file
		}
		for _, n := range []int{1, 20, len(b) / 3, len(b) / 2, len(b) - 3, len(b) - 1} {
			seeds = append(seeds, b[:n])
		}
		for i, pos := range []int{0, 19, 20, 21, 40, len(b) / 2, len(b) - 5} {
			c := bytes.Clone(b)
			c[pos] ^= []byte{0x01, 0x80, 0xff, 0x7f, 0x08, 0x40, 0x10}[i]
			seeds = append(seeds, c)
		}
	}
	for _, c := range onnxBad() {
		seeds = append(seeds, c.file)
	}
	return seeds
}

// FuzzReadONNXWeights feeds arbitrary bytes to ReadONNXWeights: it must
// return an *ONNXError or tensors whose shapes match their data, and never
// panic.
func FuzzReadONNXWeights(f *testing.F) {
	for _, s := range onnxFuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := onnx.ReadWeights(bytes.NewReader(b))
		if err != nil {
			var oe *onnx.Error
			if !errors.As(err, &oe) || oe.Msg == "" {
				t.Fatalf("error %v (%T), want an *onnx.Error with a message", err, err)
			}
			return
		}
		for name, x := range w {
			if name == "" {
				t.Fatal("a tensor without a name")
			}
			n := 1
			for _, d := range x.Shape() {
				n *= d
			}
			if n != x.Size() {
				t.Fatalf("%s: shape %v, %d values", name, x.Shape(), x.Size())
			}
		}
	})
}
