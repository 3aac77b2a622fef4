package tensor

import (
	"fmt"
	"slices"
)

// node records how a tensor was computed, so that Backward can send the
// gradient on to the inputs.
type node struct {
	inputs []*Tensor
	// backward maps the gradient of the output to one gradient per input,
	// each with that input's shape; nil for inputs that need none.
	backward func(g *Tensor) []*Tensor

	g      *Tensor // gradient accumulated during a Backward pass
	gOwned bool    // g may be written in place (it is not shared)
}

// setNode records the operation that made t if any input requires grad.
func (t *Tensor) setNode(backward func(g *Tensor) []*Tensor, inputs ...*Tensor) {
	for _, in := range inputs {
		if in != nil && in.requiresGrad {
			t.requiresGrad = true
			t.node = &node{inputs: inputs, backward: backward}
			return
		}
	}
}

// anyRequiresGrad reports whether a graph must be recorded for an op on ts.
func anyRequiresGrad(ts ...*Tensor) bool {
	for _, t := range ts {
		if t != nil && t.requiresGrad {
			return true
		}
	}
	return false
}

// RequiresGrad reports whether gradients are computed for t.
func (t *Tensor) RequiresGrad() bool { return t.requiresGrad }

// SetRequiresGrad marks a leaf tensor (one not computed by an operation) as
// a variable whose gradient Backward accumulates, and returns it. Operations
// on tensors that require grad record a graph; others record nothing.
func (t *Tensor) SetRequiresGrad(on bool) *Tensor {
	if t.node != nil {
		panic(fmt.Sprintf("tensor.SetRequiresGrad: tensor of shape %v is the result of an operation; use Detach first", t.shape))
	}
	t.requiresGrad = on
	return t
}

// IsLeaf reports whether t was created directly rather than computed by a
// recorded operation.
func (t *Tensor) IsLeaf() bool { return t.node == nil }

// Grad returns the gradient accumulated in a leaf tensor by Backward, or nil
// if there is none yet.
func (t *Tensor) Grad() *Tensor { return t.grad }

// ZeroGrad drops the accumulated gradient.
func (t *Tensor) ZeroGrad() { t.grad = nil }

// Detach returns a tensor that shares t's data but is cut from the graph: it
// does not require grad, and nothing flows back through it.
func (t *Tensor) Detach() *Tensor { return &Tensor{data: t.data, shape: t.shape} }

// Backward computes the gradient of t, which must hold a single value, with
// respect to every leaf tensor that requires grad and that t depends on, and
// adds it to that leaf's Grad. Gradients accumulate over calls until
// ZeroGrad. The recorded graph is kept until t is dropped, so Backward may be
// called again on the same result.
func (t *Tensor) Backward() {
	if len(t.data) != 1 {
		panic(fmt.Sprintf("tensor.Backward: called on a tensor of shape %v; it needs a single value (or use BackwardWith)", t.shape))
	}
	t.BackwardWith(OnesLike(t))
}

// BackwardWith is Backward for a tensor of any shape: g is the gradient of
// the final quantity with respect to t, and must have t's shape.
func (t *Tensor) BackwardWith(g *Tensor) {
	if !slices.Equal(g.shape, t.shape) {
		panic(fmt.Sprintf("tensor.BackwardWith: gradient shape %v does not match tensor shape %v", g.shape, t.shape))
	}
	if !t.requiresGrad {
		panic(fmt.Sprintf("tensor.Backward: tensor of shape %v does not require grad (no input was marked with SetRequiresGrad)", t.shape))
	}
	if t.node == nil {
		accumulate(t, g)
		return
	}
	order := topoOrder(t)
	accumulate(t, g.Detach())
	for i := len(order) - 1; i >= 0; i-- {
		n := order[i].node
		g := n.g
		n.g, n.gOwned = nil, false
		if g == nil {
			continue
		}
		grads := n.backward(g)
		for j, in := range n.inputs {
			if in == nil || !in.requiresGrad || j >= len(grads) || grads[j] == nil {
				continue
			}
			if !slices.Equal(grads[j].shape, in.shape) {
				panic(fmt.Sprintf("tensor: internal error: gradient of shape %v for input of shape %v", grads[j].shape, in.shape))
			}
			accumulate(in, grads[j])
		}
	}
}

// partial describes a gradient that is zero except for the block
// [start, start+length) along one axis of a tensor seen as outer×n×inner:
// the gradient of Narrow. Its data holds just the block, so that taking
// many slices of one tensor (an RNN's time steps, Split, Unbind) costs
// backward time in proportion to the slices, not slices × whole tensor.
type partial struct {
	outer, n, inner, start, length int
}

// addPart adds the block gradient g into the full-size dst.
func addPart(dst []float32, g *Tensor) {
	p := g.part
	blk := p.length * p.inner
	for o := 0; o < p.outer; o++ {
		off := (o*p.n + p.start) * p.inner
		addTo(dst[off:off+blk], g.data[o*blk:(o+1)*blk])
	}
}

// accumulate adds g to the gradient held for t: the pending gradient of an
// interior node, or the Grad of a leaf.
func accumulate(t *Tensor, g *Tensor) {
	if g.part != nil {
		accumulatePart(t, g)
		return
	}
	if t.node == nil {
		if t.grad == nil {
			t.grad = &Tensor{data: append([]float32(nil), g.data...), shape: t.Shape()}
			return
		}
		addTo(t.grad.data, g.data)
		return
	}
	n := t.node
	switch {
	case n.g == nil:
		n.g, n.gOwned = g, false
	case !n.gOwned:
		sum := make([]float32, len(g.data))
		for i := range sum {
			sum[i] = n.g.data[i] + g.data[i]
		}
		n.g, n.gOwned = &Tensor{data: sum, shape: t.shape}, true
	default:
		addTo(n.g.data, g.data)
	}
}

// accumulatePart is accumulate for a block gradient: it expands it into
// a full-size buffer that the tensor owns.
func accumulatePart(t *Tensor, g *Tensor) {
	if t.node == nil {
		if t.grad == nil {
			t.grad = Zeros(t.shape...)
		}
		addPart(t.grad.data, g)
		return
	}
	n := t.node
	switch {
	case n.g == nil:
		n.g = Zeros(t.shape...)
	case !n.gOwned:
		n.g = &Tensor{data: append([]float32(nil), n.g.data...), shape: t.shape}
	}
	n.gOwned = true
	addPart(n.g.data, g)
}

// topoOrder lists the interior nodes reachable from t so that every tensor
// comes after all the tensors it was computed from. It walks iteratively, so
// long chains (an unrolled RNN) do not grow the goroutine stack.
func topoOrder(t *Tensor) []*Tensor {
	var order []*Tensor
	visited := map[*node]bool{}
	type frame struct {
		t    *Tensor
		next int
	}
	stack := []frame{{t: t}}
	visited[t.node] = true
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		ins := top.t.node.inputs
		if top.next < len(ins) {
			in := ins[top.next]
			top.next++
			if in != nil && in.node != nil && !visited[in.node] {
				visited[in.node] = true
				stack = append(stack, frame{t: in})
			}
			continue
		}
		order = append(order, top.t)
		stack = stack[:len(stack)-1]
	}
	return order
}

func addTo(dst, src []float32) {
	src = src[:len(dst)]
	for i := range dst {
		dst[i] += src[i]
	}
}

// Custom makes a differentiable operation out of a value computed outside
// the package: value holds the op's result (a fresh tensor, not part of any
// graph), and backward maps the gradient of the result to one gradient per
// input, each of that input's shape (nil where an input needs none; check
// RequiresGrad on the inputs to skip work). If any input requires grad, the
// op is recorded and value is returned as its result; otherwise value is
// returned as it is. Use it for fused kernels such as a normalisation or a
// loss; test the pair with tensortest.GradCheck.
func Custom(value *Tensor, backward func(g *Tensor) []*Tensor, inputs ...*Tensor) *Tensor {
	if value.node != nil || value.requiresGrad {
		panic(fmt.Sprintf("tensor.Custom: the value (shape %v) is already part of a graph; pass a fresh tensor", value.shape))
	}
	value.setNode(backward, inputs...)
	return value
}
