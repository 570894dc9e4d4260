"""Parity fixtures: inputs and torch's outputs for every graph of a bundle, so that any ONNX
runtime (tools/ortcheck here, the engine's own runtime in its tests) can check the export.

Layout: <dir>/cases.json lists cases {name, graph (relative to <dir>), inputs [{name, file, dtype,
shape}], outputs [{name, file, shape}]}; tensors are raw little-endian float32 / int64 files.
The expected `grad_context` (and `loss`) come from torch.autograd on the eager UNet, not from the traced graph.
"""
import json
import os

import numpy as np
import torch


def _save(dir_, file, tensor):
    arr = tensor.detach().numpy()
    arr = arr.astype('<i8' if arr.dtype == np.int64 else '<f4')
    arr.tofile(os.path.join(dir_, file))
    return {'file': file, 'dtype': 'int64' if arr.dtype == np.int64 else 'float32',
            'shape': list(arr.shape)}


def _inputs(latent_shape, tokens, width, batch, seed, image_size):
    g = torch.Generator().manual_seed(seed)
    return {
        'latent': torch.randn(batch, *latent_shape, generator=g),
        'timestep': torch.randint(0, 1000, (batch,), generator=g),
        'context': torch.randn(batch, tokens, width, generator=g),
        'grad_output': torch.randn(batch, *latent_shape, generator=g),
        'image': torch.rand(batch, 3, image_size, image_size, generator=g) * 2 - 1,
        # A 0/1 mask scaled by 1/count, as the learner passes it.
        'weight': (torch.rand(batch, *latent_shape, generator=g) < 0.3).float()
        / (batch * int(np.prod(latent_shape))),
    }


def unet_vjp(unet, latent, timestep, context, grad_output):
    c = context.clone().requires_grad_(True)
    with torch.enable_grad():
        out = unet(latent, timestep, c)
        (g,) = torch.autograd.grad(out, c, grad_output)
    return g


def unet_loss_vjp(unet, latent, timestep, context, target, weight):
    """loss[b] = sum of weight (unet - target)^2 over b's elements, and d(sum_b loss[b])/d context."""
    c = context.clone().requires_grad_(True)
    with torch.enable_grad():
        loss = (weight * (unet(latent, timestep, c) - target) ** 2).sum(dim=(1, 2, 3))
        (g,) = torch.autograd.grad(loss.sum(), c)
    return loss.detach(), g


def write_fixtures(fixture_dir, graph_dir, *, encoder, decoder, unet, latent_shape, tokens,
                   width, image_size, unet_batches=(2,), grad_batches=(1, 3), ae_batch=1):
    """Write cases for each graph; graph paths are stored relative to fixture_dir."""
    os.makedirs(fixture_dir, exist_ok=True)
    rel = os.path.relpath(graph_dir, fixture_dir)
    cases = []

    def case(name, graph, ins, outs):
        entry = {'name': name, 'graph': os.path.join(rel, graph), 'inputs': [], 'outputs': []}
        for k, v in ins.items():
            entry['inputs'].append({'name': k, **_save(fixture_dir, f'{name}.{k}.bin', v)})
        for k, v in outs.items():
            entry['outputs'].append({'name': k, **_save(fixture_dir, f'{name}.{k}.bin', v)})
        cases.append(entry)

    with torch.no_grad():
        x = _inputs(latent_shape, tokens, width, ae_batch, 100, image_size)
        case(f'vae_encoder_b{ae_batch}', 'vae_encoder.onnx', {'image': x['image']},
             {'latent': encoder(x['image'])})
        case(f'vae_decoder_b{ae_batch}', 'vae_decoder.onnx', {'latent': x['latent']},
             {'image': decoder(x['latent'])})
        for b in unet_batches:
            x = _inputs(latent_shape, tokens, width, b, 200 + b, image_size)
            ins = {k: x[k] for k in ('latent', 'timestep', 'context')}
            case(f'unet_b{b}', 'unet.onnx', ins, {'noise': unet(**ins)})
    for b in grad_batches:
        x = _inputs(latent_shape, tokens, width, b, 300 + b, image_size)
        ins = {k: x[k] for k in ('latent', 'timestep', 'context', 'grad_output')}
        case(f'unet_grad_b{b}', 'unet_grad.onnx', ins, {'grad_context': unet_vjp(unet, **ins)})
        if os.path.exists(os.path.join(graph_dir, 'unet_loss_grad.onnx')):
            ins = {k: x[k] for k in ('latent', 'timestep', 'context')}
            ins['target'], ins['weight'] = x['grad_output'], x['weight']
            loss, g = unet_loss_vjp(unet, **ins)
            case(f'unet_loss_grad_b{b}', 'unet_loss_grad.onnx', ins,
                 {'loss': loss, 'grad_context': g})
    tmp = os.path.join(fixture_dir, 'cases.json.tmp')
    with open(tmp, 'w') as f:
        json.dump({'cases': cases}, f, indent=1)
    os.replace(tmp, os.path.join(fixture_dir, 'cases.json'))
    return cases
