#!/usr/bin/python3
"""ONNX files for the side-by-side benchmark: torchvision architectures (weights seeded, values
irrelevant to speed), eval mode, opset 13, input "input" [batch, 3, 224, 224] with a symbolic batch
dimension so that one file serves batch 1 and 8. Beside each, MODEL.opencv.onnx: the same model
rewritten for OpenCV 4.6's importer (opencv_copy).

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


def opencv_copy(path, cv_path):
    """The same model in the form OpenCV 4.6's ONNX importer reads: it fails on an Identity whose
    input is an initializer (torch's export writes a few) and on Clip's bounds given as inputs
    (opset 11 on; MobileNet v2's ReLU6). Those Identities become initializers of their outputs and
    constant bounds become Clip's min / max attributes, as before opset 11. The computation is the
    same."""
    import onnx
    from onnx import numpy_helper
    m = onnx.load(path)
    g = m.graph
    inits = {t.name: t for t in g.initializer}
    consts = {n.output[0]: n.attribute[0].t for n in g.node
              if n.op_type == "Constant" and len(n.attribute) == 1 and n.attribute[0].name == "value"}
    nodes = []
    for n in g.node:
        if n.op_type == "Identity" and n.input[0] in inits:
            t = onnx.TensorProto()
            t.CopyFrom(inits[n.input[0]])
            t.name = n.output[0]
            g.initializer.append(t)
            inits[t.name] = t
            continue
        if n.op_type == "Clip" and len(n.input) > 1:
            bounds = [inits.get(v) or consts.get(v) for v in n.input[1:]]
            if all(b is not None for b in bounds):
                values = [float(numpy_helper.to_array(b)) for b in bounds]
                del n.input[1:]
                for key, v in zip(("min", "max"), values):
                    n.attribute.append(onnx.helper.make_attribute(key, v))
        nodes.append(n)
    del g.node[:]
    g.node.extend(nodes)
    onnx.save(m, cv_path)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name in sys.argv[2:] or list(ARCHS):
        path = os.path.join(out, name + ".onnx")
        if not os.path.exists(path):
            export(name, path)
            print("exported", path, file=sys.stderr)
        cv_path = os.path.join(out, name + ".opencv.onnx")
        if not os.path.exists(cv_path):
            opencv_copy(path, cv_path)


if __name__ == "__main__":
    main()
