package data

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadPickle checks that ReadPickle never panics, returns only
// *PickleError values with offsets inside the input, and that what it
// accepts can be converted without panicking.
func FuzzReadPickle(f *testing.F) {
	for _, proto := range []string{"p0", "p2", "p4"} {
		for _, ext := range []string{"y", "tx", "graph"} {
			if b, err := os.ReadFile(filepath.Join("testdata", "planetoid_"+proto, "ind.tiny."+ext)); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("(lp0\nI1\naI2\nag0\na."))
	f.Add([]byte("\x80\x04\x95\x0b\x00\x00\x00\x00\x00\x00\x00\x8e\x01\x00\x00\x00\x00\x00\x00\x00z."))
	f.Add([]byte("\x80\x02ccollections\ndefaultdict\nc__builtin__\nlist\n\x85R(K\x00]K\x01au."))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ReadPickle(bytes.NewReader(b))
		if err != nil {
			var pe *PickleError
			if !errors.As(err, &pe) || pe.Offset < 0 || pe.Offset > int64(len(b)) {
				t.Fatalf("error %v: not a *PickleError with an offset in [0, %d]", err, len(b))
			}
			return
		}
		switch v := v.(type) {
		case *NDArray:
			v.Float64s()
		case *CSRMatrix:
			v.Dense(1 << 16)
		}
	})
}
