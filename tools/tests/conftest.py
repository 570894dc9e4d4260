import os
import sys

import pytest
import torch

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TOOLS)
torch.set_num_threads(1)

from ldm.models import Decoder, Encoder, UNet  # noqa: E402
from ldm import conditioning as cond  # noqa: E402

LATENT = (4, 16, 16)
TOKENS, WIDTH = 8, 128


@pytest.fixture(scope='session')
def small_models():
    """A reduced but structurally complete model set (every block type of the real one)."""
    torch.manual_seed(0)
    enc = Encoder((8, 16)).eval()
    dec = Decoder((8, 16)).eval()
    unet = UNet(4, (16, 32), WIDTH, 16, 32).eval()
    vocab = cond.Vocabulary(cond.vocabulary_names(['wood', 'metal'], ['scratch', 'hole']),
                            WIDTH, TOKENS).eval()
    for m in (enc, dec, unet, vocab):
        for p in m.parameters():
            p.requires_grad_(False)
    return enc, dec, unet, vocab


@pytest.fixture(scope='session')
def bundle_dir(small_models, tmp_path_factory):
    from ldm.bundle import write_bundle
    from ldm.parity import write_fixtures
    enc, dec, unet, vocab = small_models
    out = str(tmp_path_factory.mktemp('bundle'))
    write_bundle(out, bundle_id='test-bundle', encoder=enc, decoder=dec, unet=unet, vocab=vocab,
                 scale_factor=0.5)
    write_fixtures(os.path.join(out, 'parity'), out, encoder=enc, decoder=dec, unet=unet,
                   latent_shape=LATENT, tokens=TOKENS, width=WIDTH, image_size=64,
                   unet_batches=(1, 5), grad_batches=(1, 2, 5), ae_batch=2)
    return out
