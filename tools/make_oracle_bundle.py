#!/usr/bin/env python3
"""Builds the oracle bundle the diffusion tests run on: every graph is a closed-form function.

    /usr/bin/python3 tools/make_oracle_bundle.py [OUT_DIR]
    (default OUT_DIR: tests/AnomalyEngine.Tests/Fixtures/oracle-bundle)

Data model: every scaled latent element x0 ~ N(mu(c), SIGMA^2) independently, with
mu(c) = mean of the conditioning c (all T x D values). With x_t = r x0 + s eps
(r = sqrt(abar_t), s = sqrt(1 - abar_t)), the optimal noise predictor is
    E[eps | x_t, c] = s (x_t - r mu(c)) / (r^2 SIGMA^2 + s^2) = A_t x_t - B_t mu(c),
    A_t = s / V_t,  B_t = r s / V_t,  V_t = r^2 SIGMA^2 + s^2.
unet_grad: the vector-Jacobian product of that output with g w.r.t. the context:
    grad_context[b, i, j] = -B_t * sum(g[b]) / (T D).
unet_loss_grad: with d = noise - target, loss[b] = sum(weight[b] d[b]^2) and
    grad_context[b, i, j] = -B_t * sum(2 weight[b] d[b]) / (T D)  (unet_grad with g = 2 weight d).
Autoencoder (linear): encoder = 2x2 average pool then a 1x1 convolution ENC (3 -> 4 channels);
decoder = a 1x1 convolution DEC (4 -> 3) then a nearest 2x upsample.
Schedule: scaled_linear 0.00085..0.012 over 1000 steps, epsilon prediction (the LDM schedule).
Tables A_t and B_t are computed in float64 and stored as float32.
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

IMAGE, LATENT, C, TOKENS, WIDTH, SLOT = 16, 8, 4, 4, 8, 1
SCALE = 0.5
SIGMA = 0.5
T = 1000
OPSET = 13
ENC = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1 / 3, 1 / 3, 1 / 3]], dtype=np.float32)
DEC = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], dtype=np.float32)


def tables():
    betas = np.linspace(0.00085 ** 0.5, 0.012 ** 0.5, T, dtype=np.float64) ** 2
    abar = np.cumprod(1 - betas)
    r, s = np.sqrt(abar), np.sqrt(1 - abar)
    v = r * r * SIGMA ** 2 + s * s
    return (s / v).astype(np.float32), (r * s / v).astype(np.float32)


def save(model, path):
    onnx.checker.check_model(model)
    onnx.save(model, path + ".tmp")
    os.replace(path + ".tmp", path)


def coefficient_nodes(prefix):
    """Nodes that gather A_t and B_t for each item and reshape them to [B,1,1,1]."""
    return [
        helper.make_node("Gather", ["table_a", "timestep"], [prefix + "a"], axis=0),
        helper.make_node("Gather", ["table_b", "timestep"], [prefix + "b"], axis=0),
        helper.make_node("Reshape", [prefix + "a", "shape4"], [prefix + "a4"]),
        helper.make_node("Reshape", [prefix + "b", "shape4"], [prefix + "b4"]),
    ]


def forward_nodes():
    """noise = A_t latent - B_t mu(context)."""
    return [
        helper.make_node("ReduceMean", ["context"], ["mu"], axes=[1, 2], keepdims=0),
        helper.make_node("Reshape", ["mu", "shape4"], ["mu4"]),
        helper.make_node("Mul", ["a4", "latent"], ["ax"]),
        helper.make_node("Mul", ["b4", "mu4"], ["bmu"]),
        helper.make_node("Sub", ["ax", "bmu"], ["noise"]),
    ]


def context_gradient_nodes(cotangent):
    """grad_context[b] = -B_t sum(cotangent[b]) / (T D), broadcast over the context."""
    return [
        helper.make_node("ReduceSum", [cotangent, "axes123"], ["gsum"], keepdims=0),
        helper.make_node("Mul", ["b", "gsum"], ["bg"]),
        helper.make_node("Mul", ["bg", "minus_inv_td"], ["per_item"]),
        helper.make_node("Reshape", ["per_item", "shape3"], ["per_item3"]),
        helper.make_node("Shape", ["context"], ["context_shape"]),
        helper.make_node("Expand", ["per_item3", "context_shape"], ["grad_context"]),
    ]


def unet_loss_grad(a, b):
    latent = helper.make_tensor_value_info("latent", TensorProto.FLOAT, ["B", C, LATENT, LATENT])
    timestep = helper.make_tensor_value_info("timestep", TensorProto.INT64, ["B"])
    context = helper.make_tensor_value_info("context", TensorProto.FLOAT, ["B", TOKENS, WIDTH])
    target = helper.make_tensor_value_info("target", TensorProto.FLOAT, ["B", C, LATENT, LATENT])
    weight = helper.make_tensor_value_info("weight", TensorProto.FLOAT, ["B", C, LATENT, LATENT])
    inits = [numpy_helper.from_array(a, "table_a"), numpy_helper.from_array(b, "table_b"),
             numpy_helper.from_array(np.array([-1, 1, 1, 1], dtype=np.int64), "shape4"),
             numpy_helper.from_array(np.array([1, 2, 3], dtype=np.int64), "axes123"),
             numpy_helper.from_array(np.array(-1.0 / (TOKENS * WIDTH), dtype=np.float32), "minus_inv_td"),
             numpy_helper.from_array(np.array(2.0, dtype=np.float32), "two"),
             numpy_helper.from_array(np.array([-1, 1, 1], dtype=np.int64), "shape3")]
    nodes = coefficient_nodes("") + forward_nodes() + [
        helper.make_node("Sub", ["noise", "target"], ["diff"]),
        helper.make_node("Mul", ["weight", "diff"], ["wdiff"]),
        helper.make_node("Mul", ["wdiff", "diff"], ["wsq"]),
        helper.make_node("ReduceSum", ["wsq", "axes123"], ["loss"], keepdims=0),
        helper.make_node("Mul", ["wdiff", "two"], ["cotangent"]),
    ] + context_gradient_nodes("cotangent")
    outs = [helper.make_tensor_value_info("loss", TensorProto.FLOAT, ["B"]),
            helper.make_tensor_value_info("grad_context", TensorProto.FLOAT, ["B", TOKENS, WIDTH])]
    graph = helper.make_graph(nodes, "oracle_unet_loss_grad", [latent, timestep, context, target, weight],
                              outs, inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def unet(a, b, grad):
    latent = helper.make_tensor_value_info("latent", TensorProto.FLOAT, ["B", C, LATENT, LATENT])
    timestep = helper.make_tensor_value_info("timestep", TensorProto.INT64, ["B"])
    context = helper.make_tensor_value_info("context", TensorProto.FLOAT, ["B", TOKENS, WIDTH])
    inits = [numpy_helper.from_array(a, "table_a"), numpy_helper.from_array(b, "table_b"),
             numpy_helper.from_array(np.array([-1, 1, 1, 1], dtype=np.int64), "shape4")]
    nodes = coefficient_nodes("")
    if not grad:
        nodes += forward_nodes()
        out = helper.make_tensor_value_info("noise", TensorProto.FLOAT, ["B", C, LATENT, LATENT])
        graph = helper.make_graph(nodes, "oracle_unet", [latent, timestep, context], [out], inits)
    else:
        g = helper.make_tensor_value_info("grad_output", TensorProto.FLOAT, ["B", C, LATENT, LATENT])
        inits += [numpy_helper.from_array(np.array([1, 2, 3], dtype=np.int64), "axes123"),
                  numpy_helper.from_array(np.array(-1.0 / (TOKENS * WIDTH), dtype=np.float32), "minus_inv_td"),
                  numpy_helper.from_array(np.array([-1, 1, 1], dtype=np.int64), "shape3")]
        nodes += context_gradient_nodes("grad_output")
        out = helper.make_tensor_value_info("grad_context", TensorProto.FLOAT, ["B", TOKENS, WIDTH])
        graph = helper.make_graph(nodes, "oracle_unet_grad", [latent, timestep, context, g], [out], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def encoder():
    image = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["B", 3, IMAGE, IMAGE])
    out = helper.make_tensor_value_info("latent", TensorProto.FLOAT, ["B", C, LATENT, LATENT])
    nodes = [helper.make_node("AveragePool", ["image"], ["pooled"], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Conv", ["pooled", "enc"], ["latent"], kernel_shape=[1, 1])]
    inits = [numpy_helper.from_array(ENC.reshape(C, 3, 1, 1), "enc")]
    graph = helper.make_graph(nodes, "oracle_vae_encoder", [image], [out], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def decoder():
    latent = helper.make_tensor_value_info("latent", TensorProto.FLOAT, ["B", C, LATENT, LATENT])
    out = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["B", 3, IMAGE, IMAGE])
    nodes = [helper.make_node("Conv", ["latent", "dec"], ["small"], kernel_shape=[1, 1]),
             helper.make_node("Resize", ["small", "", "scales"], ["image"], mode="nearest",
                              coordinate_transformation_mode="asymmetric", nearest_mode="floor")]
    inits = [numpy_helper.from_array(DEC.reshape(3, C, 1, 1), "dec"),
             numpy_helper.from_array(np.array([1, 1, 2, 2], dtype=np.float32), "scales")]
    graph = helper.make_graph(nodes, "oracle_vae_decoder", [latent], [out], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/AnomalyEngine.Tests/Fixtures/oracle-bundle"
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(20261201)
    template = rng.normal(0.0, 0.5, (TOKENS, WIDTH)).astype(np.float32)
    unconditional = np.zeros((TOKENS, WIDTH), dtype=np.float32)
    initial = rng.normal(0.0, 0.5, WIDTH).astype(np.float32)
    names = ["<uncond>", "defect", "scratch"]
    vocab = np.stack([np.zeros(WIDTH), initial, rng.normal(0.0, 0.5, WIDTH)]).astype(np.float32)
    for name, arr in [("template.f32", template), ("unconditional.f32", unconditional),
                      ("initial_embedding.f32", initial), ("vocabulary.f32", vocab)]:
        arr.astype("<f4").tofile(os.path.join(out, name))
    a, b = tables()
    save(unet(a, b, grad=False), os.path.join(out, "unet.onnx"))
    save(unet(a, b, grad=True), os.path.join(out, "unet_grad.onnx"))
    save(unet_loss_grad(a, b), os.path.join(out, "unet_loss_grad.onnx"))
    save(encoder(), os.path.join(out, "vae_encoder.onnx"))
    save(decoder(), os.path.join(out, "vae_decoder.onnx"))
    manifest = {
        "format": "anomaly-engine-bundle", "version": 1, "id": "oracle-gaussian-v1", "space": "latent",
        "image": {"size": IMAGE, "channels": 3},
        "latent": {"channels": C, "size": LATENT, "scale_factor": SCALE},
        "conditioning": {"tokens": TOKENS, "width": WIDTH, "placeholder_slot": SLOT,
                         "template": "template.f32", "unconditional": "unconditional.f32",
                         "initial_embedding": "initial_embedding.f32",
                         "vocabulary": {"file": "vocabulary.f32", "names": names}},
        "schedule": {"train_steps": T, "beta_schedule": "scaled_linear", "beta_start": 0.00085,
                     "beta_end": 0.012, "prediction": "epsilon"},
        "components": {name: {"onnx": f"{name}.onnx", "plan": None}
                       for name in ["unet", "unet_grad", "unet_loss_grad", "vae_encoder", "vae_decoder"]},
        "oracle": {"data_sigma": SIGMA, "mean": "mean of the conditioning",
                   "encoder": ENC.tolist(), "decoder": DEC.tolist(),
                   "command": "/usr/bin/python3 tools/make_oracle_bundle.py"},
    }
    path = os.path.join(out, "manifest.json")
    with open(path + ".tmp", "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
