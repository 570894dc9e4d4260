#!/usr/bin/env python3
"""Copies a bundle and declares its vae_decoder output's height and width as the manifest's image
size (the exported graph leaves them symbolic, which the engine's graph check rejects), changing
nothing else: same weights, same nodes.

    /usr/bin/python3 bench/static_decoder_shape.py models/default artifacts/bundle-default
"""
import json
import os
import shutil
import sys

import onnx


def main(src, dst):
    if os.path.exists(dst):
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    size = json.load(open(os.path.join(dst, 'manifest.json')))['image']['size']
    path = os.path.join(dst, 'vae_decoder.onnx')
    model = onnx.load(path)
    dims = model.graph.output[0].type.tensor_type.shape.dim
    for i in (2, 3):
        dims[i].Clear()
        dims[i].dim_value = size
    onnx.checker.check_model(model)
    onnx.save(model, path)
    print(f'{dst}: vae_decoder output declared [batch, 3, {size}, {size}]')


if __name__ == '__main__':
    main(*sys.argv[1:3])
