#!/usr/bin/python3
"""PyTorch parity fixture for attack.Generator and attack.Discriminator.

Regenerate from the repository root with Debian's Python (torch 1.13):

    /usr/bin/python3 attack/testdata/advgan_nets.py

It writes attack/testdata/advgan_nets.safetensors (the weights, F32, as
safetensors.torch.save_file would; that package is not installed here, so a
minimal writer is below) and attack/testdata/advgan_nets.json (inputs,
outputs, gradients), which attack/generator_test.go reads. The generator is mathcbc's advGAN_pytorch models.py Generator (commit
03fcf2f) copied below, with its weights_init; the discriminator is the
paper's C8, C16, C32, FC (4x4 convs, stride 2, padding 1, InstanceNorm on
C16 and C32, LeakyReLU 0.2, a Linear to one raw score), as attack.Discriminator.

Weights file: g.<name>, d.<name>, every state_dict entry (running stats
included; num_batches_tracked as F32).
JSON tensors:
  x, gy                 input (2, 1, 28, 28) in [0, 1] and upstream gradient of G
  g_out, g_gx           G(x) in training mode and d(sum(gy*G(x)))/dx
  g_grad.<name>         that loss's gradient w.r.t. a few G parameters (not the
                        biases of convolutions followed by InstanceNorm, whose
                        gradient is 0 up to rounding)
  g_rm.<name>           BatchNorm running means after that training pass
  x2, g_eval            a second input and G(x2) in evaluation mode
  dy, d_out, d_gx       D's upstream gradient, D(x), d(sum(dy*D(x)))/dx
  d_grad.<name>         that loss's gradient w.r.t. a few D parameters
"""
import json
import pathlib
import struct
import sys

import torch
import torch.nn as nn

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "internal" / "torchfix"))
import torchfix  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent


def save_safetensors(path, tensors):
    """Write {name: tensor} as F32 safetensors (sorted names, padded header)."""
    header, data, offset = {}, [], 0
    for name in sorted(tensors):
        b = tensors[name].detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(b)]}
        data.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(data))


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Conv') != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find('BatchNorm') != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


class ResnetBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(dim, dim, kernel_size=3, padding=0, bias=False),
            nn.BatchNorm2d(dim),
            nn.ReLU(True),
            nn.ReflectionPad2d(1),
            nn.Conv2d(dim, dim, kernel_size=3, padding=0, bias=False),
            nn.BatchNorm2d(dim),
        )

    def forward(self, x):
        return x + self.conv_block(x)


class Generator(nn.Module):
    def __init__(self, gen_input_nc, image_nc):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(gen_input_nc, 8, kernel_size=3, stride=1, padding=0, bias=True),
            nn.InstanceNorm2d(8),
            nn.ReLU(),
            nn.Conv2d(8, 16, kernel_size=3, stride=2, padding=0, bias=True),
            nn.InstanceNorm2d(16),
            nn.ReLU(),
            nn.Conv2d(16, 32, kernel_size=3, stride=2, padding=0, bias=True),
            nn.InstanceNorm2d(32),
            nn.ReLU(),
        )
        self.bottle_neck = nn.Sequential(*[ResnetBlock(32) for _ in range(4)])
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(32, 16, kernel_size=3, stride=2, padding=0, bias=False),
            nn.InstanceNorm2d(16),
            nn.ReLU(),
            nn.ConvTranspose2d(16, 8, kernel_size=3, stride=2, padding=0, bias=False),
            nn.InstanceNorm2d(8),
            nn.ReLU(),
            nn.ConvTranspose2d(8, image_nc, kernel_size=6, stride=1, padding=0, bias=False),
            nn.Tanh(),
        )

    def forward(self, x):
        return self.decoder(self.bottle_neck(self.encoder(x)))


class Discriminator(nn.Module):
    def __init__(self, image_nc):
        super().__init__()
        self.conv1 = nn.Conv2d(image_nc, 8, 4, stride=2, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 4, stride=2, padding=1)
        self.conv3 = nn.Conv2d(16, 32, 4, stride=2, padding=1)
        self.fc = nn.Linear(32 * 3 * 3, 1)
        self.norm2 = nn.InstanceNorm2d(16)
        self.norm3 = nn.InstanceNorm2d(32)
        self.act = nn.LeakyReLU(0.2)

    def forward(self, x):
        h = self.act(self.conv1(x))
        h = self.act(self.norm2(self.conv2(h)))
        h = self.act(self.norm3(self.conv3(h)))
        return self.fc(h.flatten(1)).reshape(-1)


torch.manual_seed(6)
g = Generator(1, 1)
g.apply(weights_init)
d = Discriminator(1)
d.apply(weights_init)
# Spread the BatchNorm affine parameters so that they matter.
with torch.no_grad():
    for m in g.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.normal_(1.0, 0.3)
            m.bias.normal_(0.0, 0.3)

weights = {}
for k, v in g.state_dict().items():
    weights["g." + k] = v.clone()
for k, v in d.state_dict().items():
    weights["d." + k] = v.clone()
save_safetensors(str(HERE / "advgan_nets.safetensors"), weights)
out = {}

x = torch.rand(2, 1, 28, 28).requires_grad_(True)
gy = torch.randn(2, 1, 28, 28)
g.train()
y = g(x)
y.backward(gy)
out.update(x=x, gy=gy, g_out=y, g_gx=x.grad)
named = dict(g.named_parameters())
gnames = ["encoder.0.weight", "bottle_neck.1.conv_block.2.weight",
          "bottle_neck.3.conv_block.6.bias", "decoder.6.weight"]
for n in gnames:
    out["g_grad." + n] = named[n].grad
for k, v in g.state_dict().items():
    if k.endswith("running_mean") or k.endswith("running_var"):
        out["g_rm." + k] = v.clone()

g.eval()
x2 = torch.rand(2, 1, 28, 28)
with torch.no_grad():
    out.update(x2=x2, g_eval=g(x2))

xd = x.detach().clone().requires_grad_(True)
dy = torch.randn(2)
s = d(xd)
s.backward(dy)
out.update(dy=dy, d_out=s, d_gx=xd.grad)
dnames = ["conv1.weight", "conv1.bias", "conv3.weight", "fc.weight", "fc.bias"]
dparams = dict(d.named_parameters())
for n in dnames:
    out["d_grad." + n] = dparams[n].grad

torchfix.save(str(HERE / "advgan_nets.json"), out, meta={"g_grads": gnames, "d_grads": dnames})
