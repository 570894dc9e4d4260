import csv
import json
import os

import numpy as np
import pytest
from PIL import Image

from ldm import data
from ldm.train import main as train_main, split_items


def _fake_dataset(root, with_labels):
    rng = np.random.default_rng(0)
    rows = ['image,surface,defect']
    for s in ('wood', 'metal'):
        for kind in ('good', 'scratch', 'crack'):
            d = os.path.join(root, s, 'train' if kind == 'good' else 'test', kind)
            os.makedirs(d, exist_ok=True)
            for i in range(4):
                p = os.path.join(d, f'{i:03d}.png')
                Image.fromarray((rng.random((64, 64, 3)) * 255).astype(np.uint8)).save(p)
                rows.append(f'{os.path.relpath(p, root)},{s},{"" if kind == "good" else kind}')
    if with_labels:
        with open(os.path.join(root, 'labels.csv'), 'w') as f:
            f.write('\n'.join(rows) + '\n')
    return root


@pytest.mark.parametrize('with_labels', [True, False])
def test_labels_csv_and_the_mvtec_layout_give_the_same_items(tmp_path, with_labels):
    root = _fake_dataset(str(tmp_path), with_labels)
    items = sorted(data.list_items(root))
    assert len(items) == 24
    assert sum(it[2] is None for it in items) == 8
    assert {it[2] for it in items} == {None, 'scratch', 'crack'}
    assert {it[1] for it in items} == {'wood', 'metal'}


def test_the_held_out_family_never_reaches_training_or_validation(tmp_path):
    items = data.list_items(_fake_dataset(str(tmp_path), True))
    train, val, held = split_items(items, {'crack'}, 0.25, 0)
    assert len(held) == 8 and all(it[2] == 'crack' for it in held)
    assert all(it[2] != 'crack' for it in train + val)
    assert len(val) == 4 and len(train) == 12


def test_load_images_resizes_and_keeps_pixel_values(tmp_path):
    p = str(tmp_path / 'a.png')
    a = np.zeros((32, 32, 3), np.uint8)
    a[..., 0] = 200
    Image.fromarray(a).save(p)
    x = data.load_images([p], 64)
    assert x.shape == (1, 3, 64, 64)
    assert int(x[0, 0].min()) == 200 and int(x[0, 1].max()) == 0


def test_smoke_training_writes_checkpoint_and_loss_log(tmp_path):
    root = _fake_dataset(str(tmp_path / 'data'), True)
    out = str(tmp_path / 'out')
    ckpt = train_main(['--data', root, '--out', out, '--config', 'smoke'])
    assert ckpt['holdout'] == ['crack']
    assert 'defect:crack' not in ckpt['names'] and 'defect:scratch' in ckpt['names']
    with open(os.path.join(out, 'losses.csv')) as f:
        rows = list(csv.DictReader(f))
    assert [r['stage'] for r in rows] == ['ae', 'unet']
    assert all(np.isfinite(float(r['loss'])) for r in rows)
    assert os.path.exists(os.path.join(out, 'checkpoint.pt'))


def test_unknown_holdout_family_is_refused_with_the_known_ones(tmp_path):
    root = _fake_dataset(str(tmp_path / 'data'), True)
    with pytest.raises(SystemExit, match='scratch'):
        train_main(['--data', root, '--out', str(tmp_path / 'o'), '--config', 'smoke',
                    '--holdout', 'dent'])
