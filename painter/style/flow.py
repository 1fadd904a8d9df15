"""Flow fields: the directions strokes are laid along.

``flow_angles`` gives a style's field for a photo: along its edges (the structure
tensor), a swirl of curl noise, a fixed hatching angle, or random; ``curl_angles``
is the swirl alone (also used for the presets' exemplars).
"""
from __future__ import annotations

import math

import torch

from ..image.imageops import gaussian_blur, structure_orientation


def flow_angles(target: torch.Tensor, mode: str, sigma: float, generator: torch.Generator, curl: float = 0.0,
                hatch_angle: float = 45.0) -> torch.Tensor:
    """[H,W] stroke directions (radians) for a flow ``mode``:

    - ``structure``: along the photo's edges (structure tensor at scale ``sigma``);
      with ``curl > 0`` a swirl of curl noise takes over where edges are weak.
    - ``curl``: the swirl alone; ``hatch``: ``hatch_angle`` degrees everywhere;
      ``none``: random directions.
    """
    _, h, w = target.shape
    if mode == "hatch":
        return torch.full((h, w), math.radians(hatch_angle))
    if mode == "none":
        return torch.rand(h, w, generator=generator) * math.pi
    if mode == "curl":
        return curl_angles(h, w, max(h, w) / 12, generator)
    theta, coherence = structure_orientation(target, sigma=sigma)
    theta, coherence = theta.cpu(), coherence.cpu()
    if curl <= 0:
        return theta
    swirl = curl_angles(h, w, max(h, w) / 12, generator)
    # blend orientations as doubled-angle vectors, the swirl where edges are weak
    k = curl * (1 - coherence)
    vx = (1 - k) * torch.cos(2 * theta) + k * torch.cos(2 * swirl)
    vy = (1 - k) * torch.sin(2 * theta) + k * torch.sin(2 * swirl)
    return 0.5 * torch.atan2(vy, vx)


def smooth_noise(h: int, w: int, sigma: float, generator: torch.Generator, channels: int = 1) -> torch.Tensor:
    """[C,H,W] smooth random field with zero mean and unit standard deviation."""
    n = gaussian_blur(torch.randn(channels, h, w, generator=generator), sigma)
    return (n - n.mean()) / n.std().clamp_min(1e-8)


def curl_angles(h: int, w: int, sigma: float, generator: torch.Generator) -> torch.Tensor:
    """[H,W] angles of a divergence-free swirling field (the curl of smooth noise)."""
    n = smooth_noise(h, w, sigma, generator)[0]
    dy, dx = torch.gradient(n)
    return torch.atan2(-dx, dy)
