// Package torchfix reads the PyTorch parity fixtures that the committed
// scripts in each package's testdata write (with torchfix.py, which lives
// beside this file), and compares cairn tensors against them.
package torchfix

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/cairn-ml/cairn/tensor"
)

// Fixture is one fixture file: named tensors and free-form metadata.
type Fixture struct {
	Torch   string                     `json:"torch"`
	Meta    map[string]json.RawMessage `json:"meta"`
	Tensors map[string]*tensor.Tensor  `json:"-"`
}

type rawTensor struct {
	Shape []int `json:"shape"`
	Data  []any `json:"data"`
}

// Load reads a fixture file, failing t if it cannot.
func Load(t testing.TB, path string) *Fixture {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("torchfix: %v", err)
	}
	var raw struct {
		Torch   string                     `json:"torch"`
		Meta    map[string]json.RawMessage `json:"meta"`
		Tensors map[string]rawTensor       `json:"tensors"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("torchfix: %s: %v", path, err)
	}
	f := &Fixture{Torch: raw.Torch, Meta: raw.Meta, Tensors: map[string]*tensor.Tensor{}}
	for name, rt := range raw.Tensors {
		data := make([]float32, len(rt.Data))
		for i, v := range rt.Data {
			switch v := v.(type) {
			case float64:
				data[i] = float32(v)
			case string:
				switch v {
				case "inf":
					data[i] = float32(math.Inf(1))
				case "-inf":
					data[i] = float32(math.Inf(-1))
				case "nan":
					data[i] = float32(math.NaN())
				default:
					t.Fatalf("torchfix: %s: tensor %s: bad value %q", path, name, v)
				}
			default:
				t.Fatalf("torchfix: %s: tensor %s: bad value %v", path, name, v)
			}
		}
		f.Tensors[name] = tensor.New(data, rt.Shape...)
	}
	return f
}

// T returns the named tensor (a fresh copy, safe to modify), failing t if
// it is absent.
func (f *Fixture) T(t testing.TB, name string) *tensor.Tensor {
	t.Helper()
	x, ok := f.Tensors[name]
	if !ok {
		t.Fatalf("torchfix: no tensor %q in fixture", name)
	}
	return tensor.New(append([]float32(nil), x.Data()...), x.Shape()...)
}

// Ints returns the named tensor's values as ints (for indices and labels).
func (f *Fixture) Ints(t testing.TB, name string) []int { return f.T(t, name).Ints() }

// Meta decodes the named metadata value into v.
func (f *Fixture) MetaValue(t testing.TB, name string, v any) {
	t.Helper()
	raw, ok := f.Meta[name]
	if !ok {
		t.Fatalf("torchfix: no meta %q", name)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("torchfix: meta %q: %v", name, err)
	}
}

// Close fails t unless got has want's shape and every element satisfies
// |got-want| <= atol + rtol·|want| (NaN matches NaN, infinities match
// exactly). It reports the first few differing elements.
func Close(t testing.TB, what string, got, want *tensor.Tensor, rtol, atol float64) {
	t.Helper()
	if err := Compare(got, want, rtol, atol); err != nil {
		t.Errorf("%s: %v", what, err)
	}
}

// Compare is Close returning an error.
func Compare(got, want *tensor.Tensor, rtol, atol float64) error {
	if got == nil {
		return fmt.Errorf("got nil, want shape %v", want.Shape())
	}
	gs, ws := got.Shape(), want.Shape()
	if fmt.Sprint(gs) != fmt.Sprint(ws) {
		return fmt.Errorf("shape %v, want %v", gs, ws)
	}
	bad, msg := 0, ""
	for i, w := range want.Data() {
		g := got.Data()[i]
		gw, ww := float64(g), float64(w)
		ok := (math.IsNaN(gw) && math.IsNaN(ww)) || gw == ww || math.Abs(gw-ww) <= atol+rtol*math.Abs(ww)
		if !ok {
			if bad < 3 {
				msg += fmt.Sprintf(" [%d] %v want %v;", i, g, w)
			}
			bad++
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d elements differ:%s", bad, len(want.Data()), msg)
	}
	return nil
}
