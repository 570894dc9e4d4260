"""Write a bundle folder as docs/bundle-format.md defines it: manifest.json, ONNX graphs and raw
little-endian float32 tensors. Every file is written to a temporary name and renamed."""
import json
import os

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

from . import conditioning as cond
from .grad_export import export_unet_grad, export_unet_loss_grad
from .schedule import BETA_END, BETA_START, TRAIN_STEPS

OPSET = 17


def _atomic(path, write):
    tmp = f'{path}.tmp{os.getpid()}'
    write(tmp)
    os.replace(tmp, path)


def write_f32(path, array):
    a = np.ascontiguousarray(np.asarray(array, dtype='<f4'))
    _atomic(path, lambda p: a.tofile(p))


def read_f32(path, shape):
    return np.fromfile(path, dtype='<f4').reshape(shape)


class _Encode(torch.nn.Module):
    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder

    def forward(self, image):
        return self.encoder(image)


def round_to_float16(*modules, min_size=256):
    """Round every weight of min_size or more elements to the nearest float16 value (kept as
    float32), so that the float16 copy stored in the graph is exact and torch stays the reference."""
    with torch.no_grad():
        for m in modules:
            for p in m.parameters():
                if p.numel() >= min_size:
                    p.copy_(p.half().float())


def store_weights_as_float16(path, out_path, min_size=256):
    """Store each float32 initializer that float16 represents exactly as float16 plus a Cast back
    to float32: half the file size, identical values (runtimes fold the Cast when loading)."""
    model = onnx.load(path)
    g = model.graph
    casts, keep = [], []
    for init in g.initializer:
        arr = numpy_helper.to_array(init)
        if init.data_type == TensorProto.FLOAT and arr.size >= min_size:
            half = arr.astype(np.float16)
            if np.array_equal(half.astype(np.float32), arr):
                keep.append(numpy_helper.from_array(half, init.name + '_f16'))
                casts.append(helper.make_node('Cast', [init.name + '_f16'], [init.name],
                                              to=TensorProto.FLOAT, name=init.name + '_cast'))
                continue
        keep.append(init)
    del g.initializer[:]
    g.initializer.extend(keep)
    nodes = casts + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, out_path)


def _export(module, args, path, inputs, outputs):
    module.eval()
    dyn = {n: {0: 'batch'} for n in inputs + outputs}
    _atomic(path, lambda p: torch.onnx.export(
        module, args, p, input_names=inputs, output_names=outputs, dynamic_axes=dyn,
        opset_version=OPSET, do_constant_folding=True))


def contract_shapes(image_size, latent_channels, latent_size, tokens, width):
    """Per graph, the non-batch dimensions of each input and output (docs/bundle-format.md)."""
    lat = [latent_channels, latent_size, latent_size]
    img = [3, image_size, image_size]
    unet_in = {'latent': lat, 'timestep': [], 'context': [tokens, width]}
    return {
        'vae_encoder': {'image': img, 'latent': lat},
        'vae_decoder': {'latent': lat, 'image': img},
        'unet': {**unet_in, 'noise': lat},
        'unet_grad': {**unet_in, 'grad_output': lat, 'grad_context': [tokens, width]},
        'unet_loss_grad': {**unet_in, 'target': lat, 'weight': lat, 'loss': [],
                           'grad_context': [tokens, width]},
    }


def declare_shapes(path, out_path, shapes):
    """Write the contract's fixed dimensions into the graph's IO declarations (the exporter leaves
    some symbolic, e.g. the decoder's output height and width); dimension 0 stays `batch`."""
    model = onnx.load(path)
    for v in list(model.graph.input) + list(model.graph.output):
        if v.name not in shapes:
            continue
        dims = v.type.tensor_type.shape.dim
        want = shapes[v.name]
        if len(dims) != len(want) + 1:
            raise ValueError(f'{path}: {v.name} has rank {len(dims)}, expected {len(want) + 1}')
        dims[0].Clear()
        dims[0].dim_param = 'batch'
        for d, n in zip(dims[1:], want):
            d.Clear()
            d.dim_value = n
    onnx.checker.check_model(model)
    onnx.save(model, out_path)


GRAPHS = ('unet', 'unet_grad', 'unet_loss_grad', 'vae_encoder', 'vae_decoder')


def _finish(out_dir, float16_weights, shapes):
    for name in GRAPHS:
        path = os.path.join(out_dir, f'{name}.onnx')
        _atomic(path, lambda p: declare_shapes(path, p, shapes[name]))
        if float16_weights:
            _atomic(path, lambda p: store_weights_as_float16(path, p))


def write_bundle(out_dir, *, bundle_id, encoder, decoder, unet, vocab, scale_factor,
                 image_size=64, latent_channels=4, latent_size=16, float16_weights=True,
                 extra=None):
    """Export the five graphs and the conditioning tensors, then write manifest.json last.
    With float16_weights the graph weights are rounded to float16 first (in the given modules
    too, so that they remain the reference) and stored as float16: the graphs stay float32."""
    os.makedirs(out_dir, exist_ok=True)
    for m in (encoder, decoder, unet, vocab):
        m.eval()
        for p in m.parameters():
            p.requires_grad_(False)
    if float16_weights:
        round_to_float16(encoder, decoder, unet)
    tokens, width = vocab.tokens, vocab.embedding.weight.shape[1]
    lat = (latent_channels, latent_size, latent_size)

    g = torch.Generator().manual_seed(0)
    image = torch.rand(2, 3, image_size, image_size, generator=g) * 2 - 1
    z = torch.randn(2, *lat, generator=g)
    t = torch.tensor([10, 900])
    ctx = torch.randn(2, tokens, width, generator=g)
    _export(_Encode(encoder), (image,), os.path.join(out_dir, 'vae_encoder.onnx'),
            ['image'], ['latent'])
    _export(decoder, (z,), os.path.join(out_dir, 'vae_decoder.onnx'), ['latent'], ['image'])
    _export(unet, (z, t, ctx), os.path.join(out_dir, 'unet.onnx'),
            ['latent', 'timestep', 'context'], ['noise'])
    _atomic(os.path.join(out_dir, 'unet_grad.onnx'),
            lambda p: export_unet_grad(unet, p, lat, tokens, width, opset=OPSET))
    _atomic(os.path.join(out_dir, 'unet_loss_grad.onnx'),
            lambda p: export_unet_loss_grad(unet, p, lat, tokens, width, opset=OPSET))

    _finish(out_dir, float16_weights,
            contract_shapes(image_size, latent_channels, latent_size, tokens, int(width)))

    with torch.no_grad():
        table = vocab.embedding.weight.detach().numpy()
        template = vocab(torch.tensor(vocab.template_ids())).numpy()
        uncond = vocab(torch.tensor(vocab.unconditional_ids())).numpy()
        initial = table[vocab.index[cond.DEFECT]]
    write_f32(os.path.join(out_dir, 'vocabulary.f32'), table)
    write_f32(os.path.join(out_dir, 'template.f32'), template)
    write_f32(os.path.join(out_dir, 'unconditional.f32'), uncond)
    write_f32(os.path.join(out_dir, 'initial_embedding.f32'), initial)

    manifest = {
        'format': 'anomaly-engine-bundle',
        'version': 1,
        'id': bundle_id,
        'space': 'latent',
        'image': {'size': image_size, 'channels': 3},
        'latent': {'channels': latent_channels, 'size': latent_size,
                   'scale_factor': float(scale_factor)},
        'conditioning': {
            'tokens': tokens, 'width': int(width),
            'placeholder_slot': cond.PLACEHOLDER_SLOT,
            'template': 'template.f32',
            'unconditional': 'unconditional.f32',
            'initial_embedding': 'initial_embedding.f32',
            'vocabulary': {'file': 'vocabulary.f32', 'names': vocab.names},
        },
        'schedule': {'train_steps': TRAIN_STEPS, 'beta_schedule': 'scaled_linear',
                     'beta_start': BETA_START, 'beta_end': BETA_END, 'prediction': 'epsilon'},
        'components': {name: {'onnx': f'{name}.onnx', 'plan': None} for name in GRAPHS},
    }
    if extra:
        manifest.update(extra)
    text = json.dumps(manifest, indent=2) + '\n'
    _atomic(os.path.join(out_dir, 'manifest.json'), lambda p: open(p, 'w').write(text))
    return manifest
