"""A small latent-diffusion family, its training and its export to an AnomalyEngine bundle."""
