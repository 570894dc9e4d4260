import random

import numpy as np
import torch

from ldm import conditioning as cond
from ldm.schedule import alphas_cumprod, q_sample


def _vocab():
    return cond.Vocabulary(cond.vocabulary_names(['wood', 'metal'], ['scratch']), 16, 8)


def test_vocabulary_order_is_fixed_and_families_sorted():
    assert cond.vocabulary_names(['wood', 'metal'], ['scratch', 'hole']) == [
        '<uncond>', '<pad>', 'defect', 'surface:metal', 'surface:wood', 'defect:hole',
        'defect:scratch']


def test_ids_put_the_defect_in_slot_0_and_the_surface_in_slot_1():
    v = _vocab()
    ids = v.ids('defect:scratch', 'surface:wood')
    assert ids == [v.index['defect:scratch'], v.index['surface:wood']] + [v.index['<pad>']] * 6
    assert v.template_ids() == [v.index['defect']] + [v.index['<pad>']] * 7
    assert v.unconditional_ids() == [v.index['<uncond>']] * 8


def test_training_draws_drop_the_condition_one_time_in_ten():
    v = _vocab()
    rng = random.Random(0)
    n = 20000
    draws = [cond.training_ids(v, 'wood', 'scratch', rng) for _ in range(n)]
    uncond = sum(d == v.unconditional_ids() for d in draws) / n
    generic = sum(d[0] == v.index['defect'] for d in draws) / n
    assert abs(uncond - 0.1) < 0.01
    assert abs(generic - 0.9 * 0.25) < 0.015
    normal = [cond.training_ids(v, 'wood', None, rng) for _ in range(n)]
    assert all(d[0] in (v.index['<pad>'], v.index['<uncond>']) for d in normal)


def test_scaled_linear_schedule_matches_its_formula():
    betas = np.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000) ** 2
    abar = np.cumprod(1 - betas)
    got = alphas_cumprod().numpy()
    np.testing.assert_allclose(got, abar, rtol=1e-12)
    assert abs(got[0] - 0.99915) < 1e-12


def test_q_sample_mixes_signal_and_noise_by_the_schedule():
    abar = alphas_cumprod()
    z0 = torch.ones(1, 1, 1, 1)
    eps = torch.full((1, 1, 1, 1), 2.0)
    t = torch.tensor([500])
    a = abar[500].item()
    assert abs(q_sample(z0, t, eps, abar).item() - (a ** 0.5 + 2 * (1 - a) ** 0.5)) < 1e-6
