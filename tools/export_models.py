#!/usr/bin/python3
"""Exports the PyTorch parity models: torchvision networks with seeded random weights and small
single-layer models that stress one convolution or pooling parameter each, every one with a
seeded input and PyTorch's output, for tests/parity (loupe must match PyTorch's output).

    tools/export_models.py OUT_DIR [--only NAME ...]

Writes OUT_DIR/NAME.onnx, NAME.input.npy and NAME.output.npy per model, then OUT_DIR/stamp.
The directory belongs to the build tree (ctest runs this script as a fixture), never to git.
When OUT_DIR/stamp matches this script's hash and the torch version and every file exists, the
script exits at once: re-exporting takes about a minute on 2 cores.

Exits 77 (ctest's "skipped") when torch, torchvision, onnx or numpy cannot be imported, so
that the parity tests skip instead of failing on machines without python3-torch.

Debian 12: python3-torch 1.13, python3-torchvision 0.14, python3-onnx, python3-numpy.
"""
import argparse
import hashlib
import os
import sys

SKIP = 77

# name -> (builder, input shape, opset). Builders are looked up lazily so that --only is cheap.
# The tests (tests/parity/test_pytorch_parity.cpp) list the same names.
MODELS = {
    # torchvision networks, ImageNet-sized input, batch 1.
    "resnet18": ("tv:resnet18", (1, 3, 224, 224), 13),
    "resnet50": ("tv:resnet50", (1, 3, 224, 224), 13),
    "vgg16": ("tv:vgg16", (1, 3, 224, 224), 13),
    "alexnet": ("tv:alexnet", (1, 3, 224, 224), 13),
    "googlenet": ("tv:googlenet", (1, 3, 224, 224), 13),
    "mobilenet_v2": ("tv:mobilenet_v2", (1, 3, 224, 224), 13),
    "squeezenet1_1": ("tv:squeezenet1_1", (1, 3, 224, 224), 13),
    # The same network through an older opset's forms (Pad/Clip/Squeeze attributes vs inputs).
    "squeezenet1_1_opset11": ("tv:squeezenet1_1", (1, 3, 224, 224), 11),
    # Single layers; batch 2 so that the batch loop is exercised too.
    "conv_stride2_asym_pad": ("layer:conv_stride2_asym_pad", (2, 5, 17, 19), 13),
    "conv_dilation": ("layer:conv_dilation", (2, 6, 20, 18), 13),
    "conv_groups": ("layer:conv_groups", (2, 12, 15, 15), 13),
    "conv_depthwise": ("layer:conv_depthwise", (2, 16, 21, 21), 13),
    "conv_rect_kernel": ("layer:conv_rect_kernel", (2, 4, 16, 23), 13),
    "maxpool_ceil": ("layer:maxpool_ceil", (2, 3, 16, 17), 13),
    "maxpool_dilation": ("layer:maxpool_dilation", (2, 3, 19, 19), 13),
    "avgpool_include_pad": ("layer:avgpool_include_pad", (2, 3, 15, 16), 13),
    "avgpool_exclude_pad_ceil": ("layer:avgpool_exclude_pad_ceil", (2, 3, 15, 16), 13),
    "layers_opset11": ("layer:mixed", (2, 4, 18, 18), 11),
}

SEED = 20241125


def script_hash():
    with open(os.path.abspath(__file__), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def randomize_batch_norm(model, torch):
    """Non-trivial BN: torchvision initializes gamma=1, beta=0, mean=0, var=1, which would hide
    a wrong epsilon, a swapped mean/var or a missing scale in the importer."""
    g = torch.Generator().manual_seed(SEED + 1)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            n = m.num_features
            with torch.no_grad():
                m.weight.copy_(torch.rand(n, generator=g) * 0.6 + 0.7)
                m.bias.copy_(torch.randn(n, generator=g) * 0.1)
                m.running_mean.copy_(torch.randn(n, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(n, generator=g) * 0.6 + 0.7)


def torchvision_model(name, torch, torchvision):
    ctor = getattr(torchvision.models, name)
    if name == "googlenet":
        # Without pretrained weights torchvision enables the auxiliary heads; they only exist in
        # training mode anyway. init_weights silences the "default init will change" warning.
        model = ctor(weights=None, aux_logits=False, init_weights=True)
    else:
        model = ctor(weights=None)
    randomize_batch_norm(model, torch)
    return model


def layer_model(name, torch):
    nn = torch.nn
    F = torch.nn.functional

    class AsymPadConv(nn.Module):
        # F.pad exports an ONNX Pad node (left 1, right 2, top 0, bottom 3) before the Conv.
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(5, 7, 3, stride=2)

        def forward(self, x):
            return self.conv(F.pad(x, (1, 2, 0, 3)))

    class Mixed(nn.Module):
        # A few of the above in one graph, exported at opset 11 (Pad's pads become an input).
        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(4, 8, 3, stride=2, padding=1, dilation=1)
            self.bn = nn.BatchNorm2d(8)
            self.c2 = nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=8)
            self.c3 = nn.Conv2d(8, 6, 1)
            self.fc = nn.Linear(6 * 6 * 6, 10)

        def forward(self, x):
            x = F.relu(self.bn(self.c1(x)))
            x = F.pad(x, (0, 1, 1, 0))
            x = F.relu6(self.c2(x))
            x = F.max_pool2d(x, 3, stride=2, ceil_mode=True)
            x = F.avg_pool2d(self.c3(x), 2, stride=1, padding=1, count_include_pad=False)
            return torch.softmax(self.fc(torch.flatten(x, 1)), dim=1)

    layers = {
        "conv_stride2_asym_pad": AsymPadConv,
        "conv_dilation": lambda: nn.Conv2d(6, 10, 3, stride=1, padding=3, dilation=3),
        "conv_groups": lambda: nn.Conv2d(12, 18, 3, stride=2, padding=1, groups=3),
        "conv_depthwise": lambda: nn.Sequential(
            nn.Conv2d(16, 16, 3, padding=1, groups=16), nn.ReLU(),
            nn.Conv2d(16, 32, 5, stride=2, padding=2, groups=16)),
        "conv_rect_kernel": lambda: nn.Conv2d(4, 8, (1, 5), stride=(2, 1), padding=(0, 2)),
        "maxpool_ceil": lambda: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
        "maxpool_dilation": lambda: nn.MaxPool2d(3, stride=2, dilation=2),
        "avgpool_include_pad": lambda: nn.AvgPool2d(3, stride=2, padding=1,
                                                    count_include_pad=True),
        "avgpool_exclude_pad_ceil": lambda: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True,
                                                         count_include_pad=False),
        "mixed": Mixed,
    }
    model = layers[name]()
    randomize_batch_norm(model, torch)
    return model


def export(name, out_dir, torch, torchvision, numpy):
    spec, shape, opset = MODELS[name]
    kind, which = spec.split(":")
    torch.manual_seed(SEED)  # the same weights on every run
    if kind == "tv":
        model = torchvision_model(which, torch, torchvision)
    else:
        model = layer_model(which, torch)
    model.eval()
    g = torch.Generator().manual_seed(SEED + 2)
    x = torch.randn(*shape, generator=g)
    with torch.no_grad():
        y = model(x)
    onnx_path = os.path.join(out_dir, name + ".onnx")
    # Written under temporary names and renamed, so that an interrupted run never leaves a
    # complete-looking set.
    tmp = onnx_path + ".tmp"
    torch.onnx.export(model, x, tmp, opset_version=opset, input_names=["input"],
                      output_names=["output"], do_constant_folding=True)
    numpy.save(os.path.join(out_dir, name + ".input.npy"), x.numpy())
    numpy.save(os.path.join(out_dir, name + ".output.npy"), y.numpy())
    os.replace(tmp, onnx_path)


def files_of(name):
    return [name + ".onnx", name + ".input.npy", name + ".output.npy"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--only", nargs="*", help="export only these models (no stamp)")
    args = parser.parse_args()
    try:
        import numpy
        import onnx  # noqa: F401 (torch.onnx.export needs it)
        import torch
        import torchvision
    except ImportError as e:
        print(f"export_models.py: skipped, {e} (install python3-torch python3-torchvision "
              "python3-onnx python3-numpy)", file=sys.stderr)
        return SKIP

    os.makedirs(args.out_dir, exist_ok=True)
    stamp_path = os.path.join(args.out_dir, "stamp")
    stamp = f"{script_hash()} torch {torch.__version__} torchvision {torchvision.__version__}\n"
    names = args.only if args.only else list(MODELS)
    for n in names:
        if n not in MODELS:
            print(f"export_models.py: unknown model {n}", file=sys.stderr)
            return 2
    if not args.only:
        have = all(os.path.exists(os.path.join(args.out_dir, f)) for n in names
                   for f in files_of(n))
        if have and os.path.exists(stamp_path) and open(stamp_path).read() == stamp:
            print(f"export_models.py: {args.out_dir} is up to date")
            return 0
        if os.path.exists(stamp_path):
            os.remove(stamp_path)

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    for n in names:
        print(f"export_models.py: {n}", flush=True)
        export(n, args.out_dir, torch, torchvision, numpy)
    if not args.only:
        with open(stamp_path, "w") as f:
            f.write(stamp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
