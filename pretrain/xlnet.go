package pretrain

import (
	"fmt"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/tensor"
)

// PermutationMasks are XLNet's attention masks for one factorisation order.
// Token positions keep their natural order; only attention follows the order.
type PermutationMasks struct {
	// Order is the factorisation order z: Order[r] is the position
	// predicted r-th.
	Order []int
	// Content (T, T) is 1 where position i may attend to j in the content
	// stream: rank(j) ≤ rank(i). Query (T, T) is 1 where rank(j) < rank(i)
	// (the query stream does not see its own token).
	Content, Query *tensor.Tensor
	// Targets lists the predicted positions, the last K of Order, in
	// order, and TargetMapping (K, T) is one-hot: row k selects Targets[k].
	Targets       []int
	TargetMapping *tensor.Tensor
}

// Permutation samples a uniform factorisation order of n positions and
// returns its masks, predicting the last numPredict positions of the order
// (XLNet's partial prediction).
func Permutation(n, numPredict int, rng *rand.Rand) PermutationMasks {
	checkRNG("Permutation", rng)
	return PermutationFromOrder(rng.Perm(n), numPredict)
}

// PermutationFromOrder returns the masks for a given order, which must be a
// permutation of 0..len(order)−1.
func PermutationFromOrder(order []int, numPredict int) PermutationMasks {
	n := len(order)
	if numPredict < 0 || numPredict > n {
		panic(fmt.Sprintf("pretrain: PermutationFromOrder: numPredict %d of %d positions", numPredict, n))
	}
	rank := make([]int, n)
	seen := make([]bool, n)
	for r, p := range order {
		if p < 0 || p >= n || seen[p] {
			panic(fmt.Sprintf("pretrain: PermutationFromOrder: %v is not a permutation", order))
		}
		seen[p] = true
		rank[p] = r
	}
	content := make([]float32, n*n)
	query := make([]float32, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if rank[j] < rank[i] {
				query[i*n+j] = 1
			}
			if rank[j] <= rank[i] {
				content[i*n+j] = 1
			}
		}
	}
	targets := clone(order[n-numPredict:])
	mapping := make([]float32, numPredict*n)
	for k, p := range targets {
		mapping[k*n+p] = 1
	}
	return PermutationMasks{
		Order:         clone(order),
		Content:       tensor.New(content, n, n),
		Query:         tensor.New(query, n, n),
		Targets:       targets,
		TargetMapping: tensor.New(mapping, numPredict, n),
	}
}
