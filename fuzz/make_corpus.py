#!/usr/bin/python3
"""Writes the seed corpus of the fuzzers (fuzz/corpus/onnx, fuzz/corpus/tensor): tiny valid
models and tensors plus the malformed cases issue 4 names (truncated, wrong magic, negative or
huge dims, element-count overflow, initializer size mismatch, cycle, missing input, duplicate
names). The files are checked in; rerun this script only to change the seeds.

    fuzz/make_corpus.py [CORPUS_DIR]   (default: fuzz/corpus next to this script)

Needs python3-onnx and python3-numpy. Findings of fuzzing runs are added to the same
directories by hand (named crash-*/new-*), so this script never deletes files.
"""
import io
import os
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def model(nodes, inputs, outputs, inits=(), opset=13):
    g = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)],
                          producer_name="loupe-fuzz")
    m.ir_version = 7
    return m.SerializeToString()


def vi(name, shape, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def onnx_seeds():
    s = {}
    w = numpy_helper.from_array(rand((4, 2, 3, 3)), "w")
    b = numpy_helper.from_array(rand((4,), 1), "b")
    conv = helper.make_node("Conv", ["x", "w", "b"], ["c"], "conv", pads=[1, 1, 1, 1],
                            strides=[2, 2])
    relu = helper.make_node("Relu", ["c"], ["y"], "relu")
    valid = model([conv, relu], [vi("x", [1, 2, 6, 6])], [vi("y", [1, 4, 3, 3])], [w, b])
    s["valid_conv_relu.onnx"] = valid
    s["valid_conv_symbolic_batch.onnx"] = model(
        [conv, relu], [vi("x", ["N", 2, 6, 6])], [vi("y", ["N", 4, 3, 3])], [w, b])
    # Typed-field encoding and a Gemm after Flatten.
    wf = helper.make_tensor("wf", TensorProto.FLOAT, [3, 144], rand((3, 144), 2).ravel().tolist())
    s["valid_pool_flatten_gemm.onnx"] = model(
        [helper.make_node("MaxPool", ["x"], ["p"], "pool", kernel_shape=[2, 2], strides=[2, 2],
                          ceil_mode=1),
         helper.make_node("AveragePool", ["p"], ["a"], "avg", kernel_shape=[2, 2], pads=[1, 1, 1, 1],
                          count_include_pad=0),
         helper.make_node("Flatten", ["a"], ["f"], "flat"),
         helper.make_node("Gemm", ["f", "wf"], ["y"], "fc", transB=1)],
        [vi("x", [1, 4, 10, 10])], [vi("y", [1, 3])], [wf])
    # PyTorch's shape sub-graph feeding Reshape.
    s["valid_shape_subgraph.onnx"] = model(
        [helper.make_node("Shape", ["x"], ["s"], "shape"),
         helper.make_node("Constant", [], ["i0"], "c0",
                          value=helper.make_tensor("i0v", TensorProto.INT64, [], [0])),
         helper.make_node("Gather", ["s", "i0"], ["n"], "gather", axis=0),
         helper.make_node("Unsqueeze", ["n", "ax"], ["nu"], "unsq"),
         helper.make_node("Constant", [], ["m1"], "c1",
                          value=helper.make_tensor("m1v", TensorProto.INT64, [1], [-1])),
         helper.make_node("Concat", ["nu", "m1"], ["shp"], "concat", axis=0),
         helper.make_node("Reshape", ["x", "shp"], ["y"], "reshape"),
         helper.make_node("Softmax", ["y"], ["z"], "softmax", axis=1)],
        [vi("x", [2, 3, 4])], [vi("z", [2, 12])],
        [numpy_helper.from_array(np.array([0], dtype=np.int64), "ax")])
    s["valid_opset7_batchnorm.onnx"] = model(
        [helper.make_node("BatchNormalization", ["x", "g", "bb", "m", "v"], ["y"], "bn",
                          epsilon=1e-3)],
        [vi("x", [1, 3, 2, 2])], [vi("y", [1, 3, 2, 2])],
        [numpy_helper.from_array(rand((3,), k), n) for k, n in enumerate(["g", "bb", "m"])]
        + [numpy_helper.from_array(np.abs(rand((3,), 9)) + 0.5, "v")], opset=7)
    s["valid_opset11_pad_clip.onnx"] = model(
        [helper.make_node("Pad", ["x", "pads"], ["p"], "pad"),
         helper.make_node("Clip", ["p", "lo", "hi"], ["y"], "clip")],
        [vi("x", [1, 1, 3, 3])], [vi("y", [1, 1, 4, 6])],
        [numpy_helper.from_array(np.array([0, 0, 0, 1, 0, 0, 1, 2], dtype=np.int64), "pads"),
         numpy_helper.from_array(np.array(0, dtype=np.float32), "lo"),
         numpy_helper.from_array(np.array(6, dtype=np.float32), "hi")], opset=11)

    # Malformed.
    s["truncated_half.onnx"] = valid[: len(valid) // 2]
    s["truncated_last_byte.onnx"] = valid[:-1]
    s["wrong_magic_zip.onnx"] = b"PK\x03\x04" + b"\x00" * 40
    s["wrong_magic_npy.onnx"] = b"\x93NUMPY\x01\x00" + b"{'descr': '<f4'}"
    s["empty.onnx"] = b""
    s["huge_input_dim.onnx"] = model([relu], [vi("c", [1 << 40, 1 << 40])], [vi("y", [1])])
    s["negative_input_dim.onnx"] = model([relu], [vi("c", [1, -5])], [vi("y", [1])])
    big = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1 << 31, 1 << 31, 4, 1])
    big.raw_data = b"\x00" * 16
    s["element_count_overflow.onnx"] = model([conv, relu], [vi("x", [1, 2, 6, 6])],
                                             [vi("y", [1])], [big, b])
    neg = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4, -2, 3, 3])
    s["negative_initializer_dim.onnx"] = model([conv, relu], [vi("x", [1, 2, 6, 6])],
                                               [vi("y", [1])], [neg, b])
    short = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4, 2, 3, 3])
    short.raw_data = b"\x00" * 20
    s["initializer_size_mismatch.onnx"] = model([conv, relu], [vi("x", [1, 2, 6, 6])],
                                                [vi("y", [1])], [short, b])
    s["cycle.onnx"] = model(
        [helper.make_node("Relu", ["x2"], ["x1"], "a"), helper.make_node("Relu", ["x1"], ["x2"], "b"),
         helper.make_node("Add", ["x", "x2"], ["y"], "add")],
        [vi("x", [1, 2])], [vi("y", [1, 2])])
    s["missing_input.onnx"] = model([helper.make_node("Add", ["x", "nowhere"], ["y"], "add")],
                                    [vi("x", [1, 2])], [vi("y", [1, 2])])
    s["duplicate_output_names.onnx"] = model(
        [helper.make_node("Relu", ["x"], ["y"], "a"), helper.make_node("Sigmoid", ["x"], ["y"], "b")],
        [vi("x", [1, 2])], [vi("y", [1, 2])])
    s["duplicate_initializers.onnx"] = model([conv, relu], [vi("x", [1, 2, 6, 6])],
                                             [vi("y", [1, 4, 3, 3])], [w, w, b])
    ext = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4, 2, 3, 3],
                      data_location=TensorProto.EXTERNAL)
    ext.external_data.add(key="location", value="../../etc/passwd")
    ext.external_data.add(key="length", value="288")
    s["external_data.onnx"] = model([conv, relu], [vi("x", [1, 2, 6, 6])], [vi("y", [1])], [ext, b])
    s["unsupported_ops.onnx"] = model(
        [helper.make_node("NonMaxSuppression", ["x"], ["y"], "nms"),
         helper.make_node("Resize", ["y"], ["z"], "up")], [vi("x", [1, 2])], [vi("z", [1, 2])])
    s["opset_too_new.onnx"] = model([relu], [vi("c", [1, 2])], [vi("y", [1, 2])], opset=99)
    s["kernel_larger_than_input.onnx"] = model([conv, relu], [vi("x", [1, 2, 1, 1])],
                                               [vi("y", [1])], [w, b])
    return s


def npy(arr, version=None):
    f = io.BytesIO()
    if version is None:
        np.save(f, arr)
        return f.getvalue()
    np.lib.format.write_array(f, arr, version=version)
    return f.getvalue()


def npy_header(header, version=1):
    h = header.encode("latin1")
    pad = 64 - (10 + len(h) + 1) % 64
    h = h + b" " * pad + b"\n"
    if version == 1:
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h
    return b"\x93NUMPY\x02\x00" + struct.pack("<I", len(h)) + h


def tensor_seeds():
    s = {}
    f32 = rand((2, 3, 4), 3)
    s["valid_f32.npy"] = npy(f32)
    s["valid_f64.npy"] = npy(f32.astype(np.float64))
    s["valid_i64.npy"] = npy(np.arange(6, dtype=np.int64).reshape(2, 3))
    s["valid_u8.npy"] = npy(np.arange(5, dtype=np.uint8))
    s["valid_bool.npy"] = npy(np.array([True, False, True]))
    s["valid_scalar.npy"] = npy(np.array(1.5, dtype=np.float32))
    s["valid_empty.npy"] = npy(np.zeros((0, 3), dtype=np.float32))
    s["valid_v2.npy"] = npy(f32, version=(2, 0))
    s["truncated_data.npy"] = npy(f32)[:-7]
    s["truncated_header.npy"] = npy(f32)[:30]
    s["wrong_magic.npy"] = b"\x93NUMPZ\x01\x00" + npy(f32)[8:]
    s["fortran_order.npy"] = npy(np.asfortranarray(rand((3, 4), 4)))
    s["big_endian.npy"] = npy(f32.astype(">f4"))
    s["huge_dims.npy"] = npy_header("{'descr': '<f4', 'fortran_order': False, "
                                    "'shape': (4294967296, 4294967296), }") + b"\x00" * 16
    s["negative_dim.npy"] = npy_header("{'descr': '<f4', 'fortran_order': False, "
                                       "'shape': (-3, 2), }") + b"\x00" * 24
    s["overflow_dims.npy"] = npy_header("{'descr': '<f8', 'fortran_order': False, "
                                        "'shape': (9223372036854775807, 3), }")
    s["unknown_dtype.npy"] = npy_header("{'descr': '<c8', 'fortran_order': False, "
                                        "'shape': (2,), }") + b"\x00" * 16
    s["header_len_past_end.npy"] = b"\x93NUMPY\x02\x00" + struct.pack("<I", 0xFFFFFFF0) + b"{"

    t = numpy_helper.from_array(f32, "x")
    s["valid_raw.pb"] = t.SerializeToString()
    typed = helper.make_tensor("x", TensorProto.FLOAT, [2, 3], [1, 2, 3, 4, 5, 6])
    s["valid_float_data.pb"] = typed.SerializeToString()
    s["valid_int64.pb"] = helper.make_tensor("i", TensorProto.INT64, [3], [1, -2, 3]).SerializeToString()
    s["valid_int32.pb"] = helper.make_tensor("i", TensorProto.INT32, [2], [7, 8]).SerializeToString()
    s["valid_double.pb"] = helper.make_tensor("d", TensorProto.DOUBLE, [2], [0.5, 2]).SerializeToString()
    s["truncated.pb"] = t.SerializeToString()[:-5]
    huge = TensorProto(name="x", data_type=TensorProto.FLOAT, dims=[1 << 32, 1 << 32])
    huge.raw_data = b"\x00" * 8
    s["huge_dims.pb"] = huge.SerializeToString()
    ovf = TensorProto(name="x", data_type=TensorProto.DOUBLE, dims=[1 << 62, 8])
    s["overflow_dims.pb"] = ovf.SerializeToString()
    neg = TensorProto(name="x", data_type=TensorProto.FLOAT, dims=[-1, 4])
    s["negative_dim.pb"] = neg.SerializeToString()
    short = TensorProto(name="x", data_type=TensorProto.FLOAT, dims=[2, 3])
    short.raw_data = b"\x00" * 5
    s["size_mismatch.pb"] = short.SerializeToString()
    few = TensorProto(name="x", data_type=TensorProto.FLOAT, dims=[1 << 20, 1 << 10])
    few.float_data.append(1.0)
    s["typed_data_shorter_than_dims.pb"] = few.SerializeToString()
    s["string_tensor.pb"] = helper.make_tensor("s", TensorProto.STRING, [1], [b"a"]).SerializeToString()
    ext = TensorProto(name="x", data_type=TensorProto.FLOAT, dims=[2],
                      data_location=TensorProto.EXTERNAL)
    ext.external_data.add(key="location", value="data.bin")
    s["external_data.pb"] = ext.SerializeToString()
    return s


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "corpus")
    for sub, seeds in (("onnx", onnx_seeds()), ("tensor", tensor_seeds())):
        d = os.path.join(root, sub)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        print(f"{d}: {len(seeds)} seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
