package data_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/tensor"
)

// One epoch of shuffled minibatches of 2 from a data set of 5 examples:
// every example comes once, and the last batch holds the one left over.
func ExampleDataset_Batches() {
	x := tensor.New([]float32{0, 0, 1, 1, 2, 2, 3, 3, 4, 4}, 5, 2) // example i is (i, i)
	train := data.NewDataset(x, []int{10, 11, 12, 13, 14})
	rng := rand.New(rand.NewPCG(1, 2))
	for b := range train.Batches(2, rng) {
		fmt.Println(b.Index, b.Y, b.X)
	}
	fmt.Println("in order, dropping the partial batch:")
	for b := range train.Batches(2, nil, data.DropLast()) {
		fmt.Println(b.Index, b.Y)
	}
	// Output:
	// [1 4] [11 14] Tensor[2 2] [[1 1] [4 4]]
	// [2 0] [12 10] Tensor[2 2] [[2 2] [0 0]]
	// [3] [13] Tensor[1 2] [[3 3]]
	// in order, dropping the partial batch:
	// [0 1] [10 11]
	// [2 3] [12 13]
}

// Reading an IDX array, here a 2x3 array of bytes held in memory; ReadIDX
// decompresses gzip input transparently.
func ExampleReadIDX() {
	file := []byte{
		0, 0, 0x08, 2, // magic: ubyte, 2 dimensions
		0, 0, 0, 2, 0, 0, 0, 3, // dimensions 2 and 3
		1, 2, 3, 4, 5, 6, // the data
	}
	x, err := data.ReadIDX(bytes.NewReader(file))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(x.Type, x.Dims, x.Float32s())

	_, err = data.ReadIDX(bytes.NewReader(file[:15]))
	fmt.Println(err)
	// Output:
	// ubyte [2 3] [1 2 3 4 5 6]
	// data: IDX input: byte 15: truncated data: got 3 of 6 bytes for dimensions [2 3] of ubyte (the input has 15 bytes)
}
