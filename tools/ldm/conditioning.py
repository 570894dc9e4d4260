"""The learned token vocabulary and the conditioning layout written into the bundle.

Layout of the T x D conditioning (T = 8, D = 128), the contract the engine relies on:
  slot 0: the defect slot (PLACEHOLDER_SLOT) - a defect family token, the generic `defect`
          token, or `<pad>` for a normal surface; stage 1 replaces this row by the learned
          embedding, starting from `defect`;
  slot 1: the surface slot - a `surface:<family>` token or `<pad>` (surface unknown);
  slots 2..7: `<pad>`.
The unconditional conditioning (classifier-free guidance) is `<uncond>` in every slot.
The bundle's template is [defect, <pad>, ..., <pad>]: "a defect on some surface".
"""
import random

import torch
from torch import nn

UNCOND, PAD, DEFECT = '<uncond>', '<pad>', 'defect'
PLACEHOLDER_SLOT = 0
SURFACE_SLOT = 1


def vocabulary_names(surfaces, defects):
    """Fixed order: <uncond>, <pad>, defect, surface:*, defect:* (families sorted)."""
    return ([UNCOND, PAD, DEFECT] + [f'surface:{s}' for s in sorted(surfaces)]
            + [f'defect:{d}' for d in sorted(defects)])


class Vocabulary(nn.Module):
    """Learned token embeddings (trained jointly with the UNet) and the slot layout."""

    def __init__(self, names, width: int, tokens: int):
        super().__init__()
        if len(set(names)) != len(names):
            raise ValueError('duplicate token names')
        self.names = list(names)
        self.index = {n: i for i, n in enumerate(self.names)}
        self.tokens = tokens
        self.embedding = nn.Embedding(len(self.names), width)
        nn.init.normal_(self.embedding.weight, std=1.0)

    def ids(self, defect_token: str, surface_token: str):
        row = [self.index[PAD]] * self.tokens
        row[PLACEHOLDER_SLOT] = self.index[defect_token]
        row[SURFACE_SLOT] = self.index[surface_token]
        return row

    def unconditional_ids(self):
        return [self.index[UNCOND]] * self.tokens

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.embedding(ids)

    def template_ids(self):
        return self.ids(DEFECT, PAD)


def training_ids(vocab: Vocabulary, surface: str, defect, rng: random.Random,
                 p_uncond=0.1, p_generic=0.25, p_no_surface=0.3):
    """Token ids for one training image (defect None = normal image).

    10% unconditional; otherwise the surface slot holds the surface (70%) or <pad>, and the
    defect slot holds <pad> for normal images, else the defect family (75%) or generic `defect`.
    Dropping the surface teaches the model the bundle template [defect, <pad>, ...].
    """
    if rng.random() < p_uncond:
        return vocab.unconditional_ids()
    s_tok = f'surface:{surface}' if rng.random() >= p_no_surface else PAD
    if defect is None:
        d_tok = PAD
    else:
        d_tok = f'defect:{defect}' if rng.random() >= p_generic else DEFECT
    return vocab.ids(d_tok, s_tok)
