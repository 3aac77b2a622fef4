package attack

import (
	"fmt"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
)

// Generator is AdvGAN's perturbation network for 28×28 images, the
// concrete MNIST generator of the public reimplementation by mathcbc
// (advGAN_pytorch, models.py), which follows the paper's c3s1-8, d16, d32,
// r32×4, u16, u8, c3s1-1 with valid padding and a tanh output instead of the
// paper's final InstanceNorm + ReLU (which can only make perturbations ≥ 0):
//
//	Conv(C→8, 3, stride 1) + IN + ReLU        → 8×26×26
//	Conv(8→16, 3, stride 2) + IN + ReLU       → 16×12×12
//	Conv(16→32, 3, stride 2) + IN + ReLU      → 32×5×5
//	4 × ResnetBlock(32)                       → 32×5×5
//	ConvT(32→16, 3, stride 2, no bias) + IN + ReLU → 16×11×11
//	ConvT(16→8, 3, stride 2, no bias) + IN + ReLU  → 8×23×23
//	ConvT(8→C, 6, stride 1, no bias) + tanh        → C×28×28
//
// IN is InstanceNorm without affine parameters. Forward maps (N, C, 28, 28)
// to a perturbation (N, C, 28, 28) with values in (−1, 1). The state_dict
// names are mathcbc's (encoder.0.weight, bottle_neck.0.conv_block.1.weight,
// decoder.6.weight, ...), so its PyTorch checkpoints load with nn.Load.
//
// The residual blocks hold BatchNorm layers: put the generator in
// evaluation mode (nn.SetTraining(g, false)) to generate with the running
// statistics, as AdvGAN.Perturb does.
type Generator struct {
	Enc1   *nn.Conv2D          `cairn:"encoder.0"`
	Enc2   *nn.Conv2D          `cairn:"encoder.3"`
	Enc3   *nn.Conv2D          `cairn:"encoder.6"`
	Blocks []*ResnetBlock      `cairn:"bottle_neck"`
	Dec1   *nn.ConvTranspose2D `cairn:"decoder.0"`
	Dec2   *nn.ConvTranspose2D `cairn:"decoder.3"`
	Dec3   *nn.ConvTranspose2D `cairn:"decoder.6"`

	norm *nn.InstanceNorm2D // affine=False: no state, shared by every IN
}

// ResnetBlock is the generator's residual block (CycleGAN's, as in
// mathcbc's models.py): out = x + BN(Conv(pad(ReLU(BN(Conv(pad(x))))))),
// with reflection padding of 1 and 3×3 convolutions without bias. State
// names follow PyTorch's conv_block Sequential (conv_block.1, .2, .5, .6).
type ResnetBlock struct {
	Conv1 *nn.Conv2D      `cairn:"conv_block.1"`
	BN1   *nn.BatchNorm2D `cairn:"conv_block.2"`
	Conv2 *nn.Conv2D      `cairn:"conv_block.5"`
	BN2   *nn.BatchNorm2D `cairn:"conv_block.6"`
}

// NewGenerator returns a Generator for images with the given number of
// channels (1 for MNIST), initialised as mathcbc's weights_init: every
// convolution weight from N(0, 0.02²), BatchNorm weights from N(1, 0.02²)
// and biases 0; the encoder's convolution biases keep PyTorch's default
// U(±1/sqrt(fan_in)). It starts in training mode.
func NewGenerator(rng *rand.Rand, channels int) *Generator {
	if channels < 1 {
		panic(fmt.Sprintf("attack.NewGenerator: %d channels, want at least 1", channels))
	}
	g := &Generator{
		Enc1: nn.NewConv2D(rng, channels, 8, 3),
		Enc2: nn.NewConv2D(rng, 8, 16, 3, nn.ConvStride(2)),
		Enc3: nn.NewConv2D(rng, 16, 32, 3, nn.ConvStride(2)),
		Dec1: nn.NewConvTranspose2D(rng, 32, 16, 3, nn.ConvStride(2), nn.ConvNoBias()),
		Dec2: nn.NewConvTranspose2D(rng, 16, 8, 3, nn.ConvStride(2), nn.ConvNoBias()),
		Dec3: nn.NewConvTranspose2D(rng, 8, channels, 6, nn.ConvNoBias()),
		norm: nn.NewInstanceNorm2D(1, false),
	}
	for range 4 {
		g.Blocks = append(g.Blocks, &ResnetBlock{
			Conv1: nn.NewConv2D(rng, 32, 32, 3, nn.ConvNoBias()),
			BN1:   nn.NewBatchNorm2D(32),
			Conv2: nn.NewConv2D(rng, 32, 32, 3, nn.ConvNoBias()),
			BN2:   nn.NewBatchNorm2D(32),
		})
	}
	for _, c := range []*nn.Conv2D{g.Enc1, g.Enc2, g.Enc3} {
		ganNormalInit(rng, c.Weight, 0, 0.02)
	}
	for _, c := range []*nn.ConvTranspose2D{g.Dec1, g.Dec2, g.Dec3} {
		ganNormalInit(rng, c.Weight, 0, 0.02)
	}
	for _, b := range g.Blocks {
		ganNormalInit(rng, b.Conv1.Weight, 0, 0.02)
		ganNormalInit(rng, b.Conv2.Weight, 0, 0.02)
		for _, bn := range []*nn.BatchNorm2D{b.BN1, b.BN2} {
			ganNormalInit(rng, bn.Weight, 1, 0.02)
			clear(bn.Bias.Data())
		}
	}
	return g
}

// Forward returns the perturbation G(x), shape (N, C, 28, 28), for images x
// of shape (N, C, 28, 28).
func (g *Generator) Forward(x *tensor.Tensor) *tensor.Tensor {
	s := x.Shape()
	c := g.Enc1.Weight.Dim(1)
	if len(s) != 4 || s[1] != c || s[2] != 28 || s[3] != 28 {
		panic(fmt.Sprintf("attack.Generator.Forward: input shape %v, want (N, %d, 28, 28)", s, c))
	}
	in := g.norm
	if in == nil {
		in = nn.NewInstanceNorm2D(1, false) // a Generator built as a literal
	}
	h := in.Forward(g.Enc1.Forward(x)).ReLU()
	h = in.Forward(g.Enc2.Forward(h)).ReLU()
	h = in.Forward(g.Enc3.Forward(h)).ReLU()
	for _, b := range g.Blocks {
		h = b.Forward(h)
	}
	h = in.Forward(g.Dec1.Forward(h)).ReLU()
	h = in.Forward(g.Dec2.Forward(h)).ReLU()
	return g.Dec3.Forward(h).Tanh()
}

// Forward returns x + block(x) for x of shape (N, 32, H, W).
func (b *ResnetBlock) Forward(x *tensor.Tensor) *tensor.Tensor {
	h := b.BN1.Forward(b.Conv1.Forward(x.ReflectionPad2D(1, 1, 1, 1))).ReLU()
	h = b.BN2.Forward(b.Conv2.Forward(h.ReflectionPad2D(1, 1, 1, 1)))
	return x.Add(h)
}

// Discriminator is AdvGAN's discriminator in the paper's notation C8, C16,
// C32, FC: three 4×4 convolutions with stride 2 and padding 1, each followed
// by LeakyReLU(0.2), with InstanceNorm (no affine parameters) on C16 and
// C32 but not on C8, then a fully connected layer to one output:
//
//	Conv(C→8, 4, s2, p1) + LReLU        → 8×14×14
//	Conv(8→16, 4, s2, p1) + IN + LReLU  → 16×7×7
//	Conv(16→32, 4, s2, p1) + IN + LReLU → 32×3×3
//	Linear(288→1)
//
// It is the paper's variant rather than mathcbc's (which has BatchNorm and
// ends in a 1×1 convolution and a sigmoid): without BatchNorm the score of
// an image does not depend on the rest of its batch, and the padding keeps
// C32's map at 3×3 (without it the map is 1×1 and InstanceNorm would zero
// it). Forward returns a raw score per image, not a probability: the least
// squares GAN losses (DiscriminatorLoss, GeneratorGANLoss) regress it to 1
// for real images and 0 for adversarial ones, as in Mao et al.'s LSGAN.
type Discriminator struct {
	Conv1 *nn.Conv2D `cairn:"conv1"`
	Conv2 *nn.Conv2D `cairn:"conv2"`
	Conv3 *nn.Conv2D `cairn:"conv3"`
	FC    *nn.Linear `cairn:"fc"`

	norm *nn.InstanceNorm2D
}

// NewDiscriminator returns a Discriminator for 28×28 images with the given
// number of channels, its convolution weights drawn from N(0, 0.02²) as in
// mathcbc's weights_init; convolution biases and the final Linear keep
// PyTorch's default initialisation.
func NewDiscriminator(rng *rand.Rand, channels int) *Discriminator {
	if channels < 1 {
		panic(fmt.Sprintf("attack.NewDiscriminator: %d channels, want at least 1", channels))
	}
	d := &Discriminator{
		Conv1: nn.NewConv2D(rng, channels, 8, 4, nn.ConvStride(2), nn.ConvPadding(1)),
		Conv2: nn.NewConv2D(rng, 8, 16, 4, nn.ConvStride(2), nn.ConvPadding(1)),
		Conv3: nn.NewConv2D(rng, 16, 32, 4, nn.ConvStride(2), nn.ConvPadding(1)),
		FC:    nn.NewLinear(rng, 32*3*3, 1),
		norm:  nn.NewInstanceNorm2D(1, false),
	}
	for _, c := range []*nn.Conv2D{d.Conv1, d.Conv2, d.Conv3} {
		ganNormalInit(rng, c.Weight, 0, 0.02)
	}
	return d
}

// Forward returns one score per image, shape (N), for images x of shape
// (N, C, 28, 28).
func (d *Discriminator) Forward(x *tensor.Tensor) *tensor.Tensor {
	s := x.Shape()
	c := d.Conv1.Weight.Dim(1)
	if len(s) != 4 || s[1] != c || s[2] != 28 || s[3] != 28 {
		panic(fmt.Sprintf("attack.Discriminator.Forward: input shape %v, want (N, %d, 28, 28)", s, c))
	}
	in := d.norm
	if in == nil {
		in = nn.NewInstanceNorm2D(1, false)
	}
	h := d.Conv1.Forward(x).LeakyReLU(0.2)
	h = in.Forward(d.Conv2.Forward(h)).LeakyReLU(0.2)
	h = in.Forward(d.Conv3.Forward(h)).LeakyReLU(0.2)
	return d.FC.Forward(h.Flatten(1)).Reshape(s[0])
}

// ganNormalInit overwrites t's values with draws from N(mean, std²).
func ganNormalInit(rng *rand.Rand, t *tensor.Tensor, mean, std float32) {
	copy(t.Data(), tensor.Normal(rng, mean, std, t.Shape()...).Data())
}
