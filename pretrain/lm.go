package pretrain

import "slices"

// Shift returns the causal-LM pair of a sequence that already starts with
// its begin token: inputs x_{0:T−1} and targets x_{1:T}.
func Shift(tokens []int) (inputs, targets []int) {
	if len(tokens) < 2 {
		return nil, nil
	}
	return clone(tokens[:len(tokens)-1]), clone(tokens[1:])
}

// CausalLM returns the causal-LM pair for tokens x_1..x_T: inputs
// [bos, x_1, …, x_{T−1}] and targets [x_1, …, x_T], so that position t
// predicts x_t from x_{<t} (loss −Σ log p(x_t | x_{<t}), LMLoss).
func CausalLM(tokens []int, bos int) (inputs, targets []int) {
	if len(tokens) == 0 {
		return nil, nil
	}
	inputs = append([]int{bos}, tokens[:len(tokens)-1]...)
	return inputs, clone(tokens)
}

// BiLMExample holds ELMo's two language-model pairs: the forward LM over
// the sequence and the backward LM over the reversed sequence.
type BiLMExample struct {
	ForwardInputs, ForwardTargets   []int
	BackwardInputs, BackwardTargets []int
}

// BiLM returns the forward pair CausalLM(tokens, bos) and the backward pair
// CausalLM(reverse(tokens), eos): the backward targets are x_T, …, x_1, each
// predicted from the tokens after it. The BiLM loss is the sum of the two
// LMLoss values.
func BiLM(tokens []int, bos, eos int) BiLMExample {
	var ex BiLMExample
	ex.ForwardInputs, ex.ForwardTargets = CausalLM(tokens, bos)
	rev := clone(tokens)
	slices.Reverse(rev)
	ex.BackwardInputs, ex.BackwardTargets = CausalLM(rev, eos)
	return ex
}
