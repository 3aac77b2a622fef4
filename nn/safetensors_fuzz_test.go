package nn

// This file is in package nn, not nn_test, because it reaches the
// internal writeFileAtomic to inject a failure in the middle of a write.

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// stFuzzSeeds returns valid files and corrupted variants of them.
func stFuzzSeeds(t testing.TB) [][]byte {
	var valid [][]byte
	for _, name := range []string{"safetensors_torch", "safetensors_dtypes", "safetensors_golden"} {
		b, err := os.ReadFile(filepath.Join("testdata", name+".safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		valid = append(valid, b)
	}
	small := func(header string, data ...byte) []byte {
		b := make([]byte, 8, 8+len(header)+len(data))
		b[0] = byte(len(header))
		return append(append(b, header...), data...)
	}
	valid = append(valid,
		small("{}      "),
		small(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I8","shape":[],"data_offsets":[8,9]}}`, 0, 0, 128, 63, 0, 0, 0, 64, 7),
		small(`{"__metadata__":{"k":"v"},"x":{"dtype":"BF16","shape":[1,1],"data_offsets":[0,2]}}`, 0x80, 0x3f),
	)
	seeds := slices.Clone(valid)
	replacements := [][2]string{
		{`"F32"`, `"F99"`}, {`"F32"`, `"F16"`}, {`"I64"`, `"I32"`}, {`[0,`, `[1,`}, {`[0,`, `[-1,`},
		{`"shape":[`, `"shape":[0,`}, {`"shape":[`, `"shape":[9999999999,`}, {`},"`, `},"a":{},"`},
		{`"__metadata__":{`, `"__metadata__":{"n":1,`}, {`"dtype"`, `"dtype":"F32","dtype"`}, {`{`, `[`}, {`}`, ``},
	}
	for _, v := range valid {
		n := len(v)
		seeds = append(seeds, v[:n/2], v[:8], v[:n-1], append(slices.Clone(v), 0))
		bad := slices.Clone(v)
		bad[0] ^= 0x40 // header length
		seeds = append(seeds, bad)
		bad = slices.Clone(v)
		bad[7] = 0xff
		seeds = append(seeds, bad)
		for _, r := range replacements {
			if bytes.Contains(v, []byte(r[0])) {
				seeds = append(seeds, bytes.Replace(v, []byte(r[0]), []byte(r[1]), 1))
			}
		}
	}
	return seeds
}

// FuzzReadSafetensors checks that no input makes the reader panic or
// allocate without bound, that bytes and stream readers agree, and that
// whatever is accepted survives a write and a read bit for bit.
//
//	go test ./nn -run '^$' -fuzz FuzzReadSafetensors -fuzztime 60s
func FuzzReadSafetensors(f *testing.F) {
	for _, s := range stFuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		state, meta, err := ParseSafetensors(data)
		_, _, rerr := ReadSafetensors(bytes.NewReader(data))
		if (err == nil) != (rerr == nil) || (err != nil && err.Error() != rerr.Error()) {
			t.Fatalf("ParseSafetensors: %v; ReadSafetensors: %v", err, rerr)
		}
		if err != nil {
			var se *SafetensorsError
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v is not a *SafetensorsError", err, err)
			}
			return
		}
		names := make([]string, 0, len(state))
		total := 0
		for name, x := range state {
			if name == "" || name == "__metadata__" {
				t.Fatalf("accepted tensor name %q", name)
			}
			n := 1
			for _, d := range x.Shape() {
				n *= d
			}
			if n != x.Size() {
				t.Fatalf("%q: shape %v with %d values", name, x.Shape(), x.Size())
			}
			total += n
			names = append(names, name)
		}
		if total > len(data) {
			t.Fatalf("%d values from %d bytes", total, len(data))
		}
		slices.Sort(names)
		named := make([]Named, len(names))
		for i, name := range names {
			named[i] = Named{Name: name, Tensor: state[name]}
		}
		var buf bytes.Buffer
		if err := WriteSafetensors(&buf, named, meta); err != nil {
			t.Fatalf("writing what was read: %v", err)
		}
		state2, meta2, err := ParseSafetensors(buf.Bytes())
		if err != nil {
			t.Fatalf("reading what was written: %v", err)
		}
		if len(meta2) != len(meta) {
			t.Fatalf("metadata %q became %q", meta, meta2)
		}
		for k, v := range meta {
			if meta2[k] != v {
				t.Fatalf("metadata %q became %q", meta, meta2)
			}
		}
		for _, name := range names {
			a, b := state[name], state2[name]
			if b == nil || !slices.Equal(a.Shape(), b.Shape()) {
				t.Fatalf("%q: shape %v became %v", name, a.Shape(), b)
			}
			for i, v := range a.Data() {
				if math.Float32bits(v) != math.Float32bits(b.Data()[i]) {
					t.Fatalf("%q[%d]: %v became %v", name, i, v, b.Data()[i])
				}
			}
		}
		var again bytes.Buffer
		if err := WriteSafetensors(&again, named, meta); err != nil || !bytes.Equal(again.Bytes(), buf.Bytes()) {
			t.Fatalf("writing twice gave different bytes (%v)", err)
		}
	})
}

// TestWriteFileAtomicInjectedError fails a write halfway and checks that
// the file already at the path keeps its contents and no temporary file
// is left, then succeeds and checks the replacement.
func TestWriteFileAtomicInjectedError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	if err := os.WriteFile(path, []byte("old contents"), 0o644); err != nil {
		t.Fatal(err)
	}
	injected := errors.New("injected: disk full")
	big := bytes.Repeat([]byte{1}, 3<<20) // more than the 1 MiB buffer, so part reaches the file
	err := writeFileAtomic(path, func(w io.Writer) error {
		if _, err := w.Write(big); err != nil {
			return err
		}
		return injected
	})
	if !errors.Is(err, injected) || !strings.Contains(err.Error(), "saving "+path) {
		t.Fatalf("error %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old contents" {
		t.Errorf("the old file changed to %d bytes", len(b))
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("directory holds %d entries, want only the old file", len(ents))
	}
	if err := writeFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write([]byte("new"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Errorf("file holds %q, want new", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("directory holds %d entries after success", len(ents))
	}
}
