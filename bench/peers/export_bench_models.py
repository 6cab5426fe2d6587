#!/usr/bin/python3
"""ONNX files for the side-by-side benchmark: torchvision architectures (weights seeded, values
irrelevant to speed), eval mode, opset 13, input "input" [batch, 3, 224, 224] with a symbolic batch
dimension so that one file serves batch 1 and 8.

Usage: /usr/bin/python3 bench/peers/export_bench_models.py OUTDIR [model ...]
"""
import os
import sys

import torch
import torchvision

ARCHS = {
    "resnet50": lambda: torchvision.models.resnet50(),
    "vgg16": lambda: torchvision.models.vgg16(),
    "googlenet": lambda: torchvision.models.googlenet(aux_logits=False, init_weights=True),
    "mobilenet_v2": lambda: torchvision.models.mobilenet_v2(),
    "alexnet": lambda: torchvision.models.alexnet(),
    "squeezenet1_1": lambda: torchvision.models.squeezenet1_1(),
}


def export(name, path):
    torch.manual_seed(0)
    model = ARCHS[name]().eval()
    x = torch.randn(1, 3, 224, 224)
    torch.onnx.export(model, x, path, opset_version=13, input_names=["input"],
                      output_names=["output"], dynamic_axes={"input": {0: "batch"}})


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name in sys.argv[2:] or list(ARCHS):
        path = os.path.join(out, name + ".onnx")
        if not os.path.exists(path):
            export(name, path)
            print("exported", path, file=sys.stderr)


if __name__ == "__main__":
    main()
