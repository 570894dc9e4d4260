#!/usr/bin/python3
"""Writes the tiny ONNX graphs the native and managed tests run.

Usage: /usr/bin/python3 tools/make_fixtures.py [output folder]
(default: tests/AnomalyEngine.Tests/Fixtures). Needs only the `onnx` package (Debian: python3-onnx).

Every weight is a closed-form function of its indices so the tests can recompute the expected
outputs without reading the graph:
  elementwise.onnx    y = 2 x + 1, x: float[2, 3]
  dynamic_batch.onnx  y = x W + b + offset, x: float[batch, 4], offset: int64[1] (cast to float),
                      W[i, j] = (i + 1) - 0.5 j, b[j] = 0.25 j; second output shape = Shape(x) (int64[2])
  batch_affine.onnx   y = 2 x + 1, x: float[batch, 3] (for TensorRT optimisation profiles)
  small_conv.onnx     conv(3->8, 3x3, pad 1) -> relu -> conv(8->4, 3x3, no pad), x: float[1, 3, 32, 32],
                      weights ConvWeight(layer, o, i, ky, kx), biases ConvBias(layer, o) below
"""
import math
import os
import sys

from onnx import TensorProto, checker, helper

OPSET = 13
IR_VERSION = 8


def conv_weight(layer, o, i, ky, kx):
    # Mirrored in tests/AnomalyEngine.Tests/Native/SmallConvNet.cs.
    return 0.3 * math.sin(1.0 + 0.7 * o + 1.3 * i + 0.5 * ky - 0.9 * kx + 2.1 * layer)


def conv_bias(layer, o):
    return 0.05 * (o - 2) + 0.1 * layer


def save(model, folder, name):
    model.ir_version = IR_VERSION
    checker.check_model(model)
    path = os.path.join(folder, name)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(model.SerializeToString())
    os.replace(tmp, path)
    print(f"{path}: {os.path.getsize(path)} bytes")


def elementwise():
    two = helper.make_tensor("two", TensorProto.FLOAT, [], [2.0])
    one = helper.make_tensor("one", TensorProto.FLOAT, [], [1.0])
    graph = helper.make_graph(
        [helper.make_node("Mul", ["x", "two"], ["twice"]), helper.make_node("Add", ["twice", "one"], ["y"])],
        "elementwise",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])],
        [two, one],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def batch_affine():
    two = helper.make_tensor("two", TensorProto.FLOAT, [], [2.0])
    one = helper.make_tensor("one", TensorProto.FLOAT, [], [1.0])
    graph = helper.make_graph(
        [helper.make_node("Mul", ["x", "two"], ["twice"]), helper.make_node("Add", ["twice", "one"], ["y"])],
        "batch_affine",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])],
        [two, one],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def dynamic_batch():
    w = [(i + 1) - 0.5 * j for i in range(4) for j in range(3)]
    b = [0.25 * j for j in range(3)]
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "W"], ["xw"]),
            helper.make_node("Add", ["xw", "b"], ["xwb"]),
            helper.make_node("Cast", ["offset"], ["offset_f"], to=TensorProto.FLOAT),
            helper.make_node("Add", ["xwb", "offset_f"], ["y"]),
            helper.make_node("Shape", ["x"], ["shape"]),
        ],
        "dynamic_batch",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4]),
            helper.make_tensor_value_info("offset", TensorProto.INT64, [1]),
        ],
        [
            helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3]),
            helper.make_tensor_value_info("shape", TensorProto.INT64, [2]),
        ],
        [helper.make_tensor("W", TensorProto.FLOAT, [4, 3], w), helper.make_tensor("b", TensorProto.FLOAT, [3], b)],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def small_conv():
    layers = [(3, 8), (8, 4)]
    inits, nodes = [], []
    for layer, (cin, cout) in enumerate(layers):
        w = [conv_weight(layer, o, i, ky, kx) for o in range(cout) for i in range(cin) for ky in range(3) for kx in range(3)]
        inits.append(helper.make_tensor(f"w{layer}", TensorProto.FLOAT, [cout, cin, 3, 3], w))
        inits.append(helper.make_tensor(f"b{layer}", TensorProto.FLOAT, [cout], [conv_bias(layer, o) for o in range(cout)]))
    nodes.append(helper.make_node("Conv", ["x", "w0", "b0"], ["c0"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]))
    nodes.append(helper.make_node("Relu", ["c0"], ["r0"]))
    nodes.append(helper.make_node("Conv", ["r0", "w1", "b1"], ["y"], kernel_shape=[3, 3], pads=[0, 0, 0, 0]))
    graph = helper.make_graph(
        nodes,
        "small_conv",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 30, 30])],
        inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "tests", "AnomalyEngine.Tests", "Fixtures")
    os.makedirs(folder, exist_ok=True)
    save(elementwise(), folder, "elementwise.onnx")
    save(dynamic_batch(), folder, "dynamic_batch.onnx")
    save(batch_affine(), folder, "batch_affine.onnx")
    save(small_conv(), folder, "small_conv.onnx")


if __name__ == "__main__":
    main()
