package attack

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
)

// The MNIST target models of the AdvGAN paper. Inputs are (N, 1, 28, 28)
// with values in [0, 1], outputs are 10 logits. Their parameters carry the
// state_dict names of the equivalent torch.nn modules (conv1.weight,
// fc1.bias, ...; testdata/targets_torch.py builds those modules), so
// nn.Save and nn.Load exchange weights with PyTorch. Dropout is active only
// in training mode: the constructors return models in training mode, as
// PyTorch does, and nn.SetTraining(m, false) switches it off (the spec's bug
// 7 is a dropout left on while attacking). Flatten uses PyTorch's (C, H, W)
// order, not Keras's (H, W, C).

// ModelA is Model A of Tramèr et al. (ensemble adversarial training, their
// modelA), target A of AdvGAN:
//
//	Conv(64, 5×5, valid) ReLU → Conv(64, 5×5, valid) ReLU → Dropout(0.25)
//	→ Flatten(64·20·20 = 25,600) → FC(128) ReLU → Dropout(0.5) → FC(10)
type ModelA struct {
	Conv1 *nn.Conv2D  `cairn:"conv1"`
	Conv2 *nn.Conv2D  `cairn:"conv2"`
	Drop1 *nn.Dropout `cairn:"drop1"`
	FC1   *nn.Linear  `cairn:"fc1"`
	Drop2 *nn.Dropout `cairn:"drop2"`
	FC2   *nn.Linear  `cairn:"fc2"`
}

// NewModelA returns Model A with PyTorch's default initialisation, drawn
// from rng; its dropout masks come from a stream seeded from rng.
func NewModelA(rng *rand.Rand) *ModelA {
	drop := dropoutRand(rng)
	return &ModelA{
		Conv1: nn.NewConv2D(rng, 1, 64, 5),
		Conv2: nn.NewConv2D(rng, 64, 64, 5),
		Drop1: nn.NewDropout(drop, 0.25),
		FC1:   nn.NewLinear(rng, 64*20*20, 128),
		Drop2: nn.NewDropout(drop, 0.5),
		FC2:   nn.NewLinear(rng, 128, 10),
	}
}

// Forward maps images (N, 1, 28, 28) to logits (N, 10).
func (m *ModelA) Forward(x *tensor.Tensor) *tensor.Tensor {
	checkMNIST("ModelA", x)
	h := m.Conv1.Forward(x).ReLU()
	h = m.Conv2.Forward(h).ReLU()
	h = m.Drop1.Forward(h).Flatten(1)
	h = m.Drop2.Forward(m.FC1.Forward(h).ReLU())
	return m.FC2.Forward(h)
}

// ModelB is Model B of Tramèr et al. (their modelB), target B of AdvGAN:
//
//	Dropout(0.2) on the input → Conv(64, 8×8, stride 2, 'same') ReLU (14×14)
//	→ Conv(128, 6×6, stride 2, valid) ReLU (5×5) → Conv(128, 5×5, valid)
//	ReLU (1×1) → Dropout(0.5) → Flatten(128) → FC(10)
//
// Keras's 'same' padding for an 8×8 window of stride 2 on 28 pixels adds 3
// on each side, so Conv1 pads symmetrically by 3.
type ModelB struct {
	Drop0 *nn.Dropout `cairn:"drop0"`
	Conv1 *nn.Conv2D  `cairn:"conv1"`
	Conv2 *nn.Conv2D  `cairn:"conv2"`
	Conv3 *nn.Conv2D  `cairn:"conv3"`
	Drop1 *nn.Dropout `cairn:"drop1"`
	FC    *nn.Linear  `cairn:"fc"`
}

// NewModelB returns Model B with PyTorch's default initialisation, drawn
// from rng; its dropout masks come from a stream seeded from rng.
func NewModelB(rng *rand.Rand) *ModelB {
	drop := dropoutRand(rng)
	return &ModelB{
		Drop0: nn.NewDropout(drop, 0.2),
		Conv1: nn.NewConv2D(rng, 1, 64, 8, nn.ConvStride(2), nn.ConvPadding(3)),
		Conv2: nn.NewConv2D(rng, 64, 128, 6, nn.ConvStride(2)),
		Conv3: nn.NewConv2D(rng, 128, 128, 5),
		Drop1: nn.NewDropout(drop, 0.5),
		FC:    nn.NewLinear(rng, 128, 10),
	}
}

// Forward maps images (N, 1, 28, 28) to logits (N, 10).
func (m *ModelB) Forward(x *tensor.Tensor) *tensor.Tensor {
	checkMNIST("ModelB", x)
	h := m.Drop0.Forward(x)
	h = m.Conv1.Forward(h).ReLU()
	h = m.Conv2.Forward(h).ReLU()
	h = m.Conv3.Forward(h).ReLU()
	h = m.Drop1.Forward(h).Flatten(1)
	return m.FC.Forward(h)
}

// ModelC is the MNIST model of Carlini and Wagner (nn_robust_attacks,
// MNISTModel), target C of AdvGAN:
//
//	Conv(32, 3×3) ReLU → Conv(32, 3×3) ReLU → MaxPool(2) → Conv(64, 3×3) ReLU
//	→ Conv(64, 3×3) ReLU → MaxPool(2) → Flatten(64·4·4 = 1,024) → FC(200)
//	ReLU → Dropout(0.5) → FC(200) ReLU → FC(10)
//
// The dropout after the first dense layer is the one Carlini and Wagner
// train with (train_models.py) and the one of the AdvGAN reimplementations'
// target; it does nothing in evaluation mode, where the model is exactly
// MNISTModel.
type ModelC struct {
	Conv1 *nn.Conv2D  `cairn:"conv1"`
	Conv2 *nn.Conv2D  `cairn:"conv2"`
	Conv3 *nn.Conv2D  `cairn:"conv3"`
	Conv4 *nn.Conv2D  `cairn:"conv4"`
	FC1   *nn.Linear  `cairn:"fc1"`
	Drop  *nn.Dropout `cairn:"drop"`
	FC2   *nn.Linear  `cairn:"fc2"`
	FC3   *nn.Linear  `cairn:"fc3"`
}

// NewModelC returns Model C with PyTorch's default initialisation, drawn
// from rng; its dropout masks come from a stream seeded from rng.
func NewModelC(rng *rand.Rand) *ModelC {
	drop := dropoutRand(rng)
	return &ModelC{
		Conv1: nn.NewConv2D(rng, 1, 32, 3),
		Conv2: nn.NewConv2D(rng, 32, 32, 3),
		Conv3: nn.NewConv2D(rng, 32, 64, 3),
		Conv4: nn.NewConv2D(rng, 64, 64, 3),
		FC1:   nn.NewLinear(rng, 64*4*4, 200),
		Drop:  nn.NewDropout(drop, 0.5),
		FC2:   nn.NewLinear(rng, 200, 200),
		FC3:   nn.NewLinear(rng, 200, 10),
	}
}

// Forward maps images (N, 1, 28, 28) to logits (N, 10).
func (m *ModelC) Forward(x *tensor.Tensor) *tensor.Tensor {
	checkMNIST("ModelC", x)
	h := m.Conv1.Forward(x).ReLU()
	h = m.Conv2.Forward(h).ReLU().MaxPool2D(2)
	h = m.Conv3.Forward(h).ReLU()
	h = m.Conv4.Forward(h).ReLU().MaxPool2D(2).Flatten(1)
	h = m.Drop.Forward(m.FC1.Forward(h).ReLU())
	h = m.FC2.Forward(h).ReLU()
	return m.FC3.Forward(h)
}

// NewModel returns the target model called name: "A", "B" or "C" (case
// does not matter, and a "model" prefix is allowed: "modelA"). It returns an
// error for any other name.
func NewModel(name string, rng *rand.Rand) (Classifier, error) {
	switch strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(name)), "MODEL") {
	case "A":
		return NewModelA(rng), nil
	case "B":
		return NewModelB(rng), nil
	case "C":
		return NewModelC(rng), nil
	}
	return nil, fmt.Errorf("attack.NewModel: unknown model %q, want A, B or C", name)
}

// dropoutRand returns a generator for a model's dropout masks, seeded from
// rng so that the model owns its stream.
func dropoutRand(rng *rand.Rand) *rand.Rand {
	return rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))
}

// checkMNIST panics unless x is a batch of 1×28×28 images.
func checkMNIST(model string, x *tensor.Tensor) {
	s := x.Shape()
	if len(s) != 4 || s[1] != 1 || s[2] != 28 || s[3] != 28 {
		panic(fmt.Sprintf("attack.%s.Forward: input of shape %v, want (N, 1, 28, 28)", model, s))
	}
}

var (
	_ Classifier = (*ModelA)(nil)
	_ Classifier = (*ModelB)(nil)
	_ Classifier = (*ModelC)(nil)
)
