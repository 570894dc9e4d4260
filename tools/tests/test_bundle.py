import json
import os
import shutil
import subprocess

import numpy as np
import onnx
import pytest

from conftest import TOKENS, WIDTH, TOOLS
from ldm import conditioning as cond  # noqa: F401
from ldm.bundle import contract_shapes

SHAPES = contract_shapes(64, 4, 16, TOKENS, WIDTH)
GRAPH_IO = {  # docs/bundle-format.md, "Graph inputs and outputs"
    'unet': (['latent', 'timestep', 'context'], ['noise']),
    'unet_grad': (['latent', 'timestep', 'context', 'grad_output'], ['grad_context']),
    'unet_loss_grad': (['latent', 'timestep', 'context', 'target', 'weight'],
                       ['loss', 'grad_context']),
    'vae_encoder': (['image'], ['latent']),
    'vae_decoder': (['latent'], ['image']),
}


def test_manifest_names_every_file_and_the_schedule(bundle_dir):
    m = json.load(open(os.path.join(bundle_dir, 'manifest.json')))
    assert m['format'] == 'anomaly-engine-bundle' and m['version'] == 1
    assert m['space'] == 'latent'
    assert m['image'] == {'size': 64, 'channels': 3}
    assert m['latent'] == {'channels': 4, 'size': 16, 'scale_factor': 0.5}
    assert m['schedule'] == {'train_steps': 1000, 'beta_schedule': 'scaled_linear',
                             'beta_start': 0.00085, 'beta_end': 0.012, 'prediction': 'epsilon'}
    for name, comp in m['components'].items():
        assert os.path.exists(os.path.join(bundle_dir, comp['onnx'])), name
    c = m['conditioning']
    assert (c['tokens'], c['width'], c['placeholder_slot']) == (TOKENS, WIDTH, 0)
    assert c['vocabulary']['names'][:3] == ['<uncond>', '<pad>', 'defect']


def test_conditioning_tensors_follow_the_slot_layout(bundle_dir, small_models):
    vocab = small_models[3]
    table = vocab.embedding.weight.numpy()
    m = json.load(open(os.path.join(bundle_dir, 'manifest.json')))['conditioning']
    n = len(m['vocabulary']['names'])

    def f32(name, shape):
        raw = np.fromfile(os.path.join(bundle_dir, name), dtype='<f4')
        assert raw.size == int(np.prod(shape)), name
        return raw.reshape(shape)

    voc = f32(m['vocabulary']['file'], (n, WIDTH))
    np.testing.assert_array_equal(voc, table)
    idx = {k: i for i, k in enumerate(m['vocabulary']['names'])}
    template = f32(m['template'], (TOKENS, WIDTH))
    np.testing.assert_array_equal(template[0], table[idx['defect']])
    for row in template[1:]:
        np.testing.assert_array_equal(row, table[idx['<pad>']])
    for row in f32(m['unconditional'], (TOKENS, WIDTH)):
        np.testing.assert_array_equal(row, table[idx['<uncond>']])
    np.testing.assert_array_equal(f32(m['initial_embedding'], (WIDTH,)), table[idx['defect']])


def test_every_graph_has_the_contract_names_and_a_dynamic_batch(bundle_dir):
    for comp, (ins, outs) in GRAPH_IO.items():
        g = onnx.load(os.path.join(bundle_dir, f'{comp}.onnx')).graph
        inits = {i.name for i in g.initializer}
        assert [i.name for i in g.input if i.name not in inits] == ins, comp
        assert [o.name for o in g.output] == outs, comp
        for v in list(g.input) + list(g.output):
            if v.name in inits:
                continue
            dims = v.type.tensor_type.shape.dim
            assert dims[0].dim_param and not dims[0].dim_value, (comp, v.name)
            assert [d.dim_value for d in dims[1:]] == SHAPES[comp][v.name], (comp, v.name)


def test_gradient_graphs_store_each_weight_once(bundle_dir, small_models):
    unet = small_models[2]
    n_params = sum(p.numel() for p in unet.parameters())
    for name in ('unet_grad', 'unet_loss_grad'):
        g = onnx.load(os.path.join(bundle_dir, f'{name}.onnx')).graph
        stored = sum(int(np.prod(t.dims)) for t in g.initializer)
        assert stored < 1.1 * n_params, name


@pytest.fixture(scope='module')
def ortcheck(tmp_path_factory):
    if shutil.which('dotnet') is None:
        pytest.skip('dotnet is not installed: ONNX Runtime parity runs through tools/ortcheck')
    out = str(tmp_path_factory.mktemp('ortcheck'))
    subprocess.run(['dotnet', 'build', os.path.join(TOOLS, 'ortcheck'), '-c', 'Release', '-o',
                    out, '-v', 'q', '-nologo'], check=True, capture_output=True)
    return os.path.join(out, 'OrtCheck.dll')


def test_onnx_runtime_matches_torch_for_every_graph_and_batch_size(bundle_dir, ortcheck):
    r = subprocess.run(['dotnet', ortcheck, os.path.join(bundle_dir, 'parity')],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    results = [json.loads(line) for line in r.stdout.splitlines()]
    cases = json.load(open(os.path.join(bundle_dir, 'parity', 'cases.json')))['cases']
    # 2 autoencoder + 2 unet + 3 unet_grad + 3 unet_loss_grad cases; one line per output.
    assert len(cases) == 10
    assert [(res['case'], res['output']) for res in results] == [
        (c['name'], o['name']) for c in cases for o in c['outputs']]
    for res in results:
        assert res['rel'] <= 1e-4, res


def test_float16_storage_keeps_float32_io_and_exact_weight_values(bundle_dir, small_models):
    unet = small_models[2]
    g = onnx.load(os.path.join(bundle_dir, 'unet.onnx')).graph
    halves = [t for t in g.initializer if t.data_type == onnx.TensorProto.FLOAT16]
    assert halves, 'large weights should be stored as float16'
    assert all(i.type.tensor_type.elem_type in (onnx.TensorProto.FLOAT, onnx.TensorProto.INT64)
               for i in list(g.input) + list(g.output))
    # The torch module was rounded to the same float16 values, so it stays the exact reference.
    w = unet.conv_in.weight.numpy()
    np.testing.assert_array_equal(w.astype(np.float16).astype(np.float32), w)
