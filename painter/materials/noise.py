"""SVG's ``feTurbulence`` noise, as the SVG 1.1 specification defines it.

The specification gives reference code for the primitive (Perlin's gradient noise
on a 256-entry lattice, seeded by a Park-Miller generator): this module computes
the same numbers in vectorized torch, so that a material drawn into a PNG by
painter and the same material written as an SVG filter, drawn by resvg, Inkscape
or a browser, show the same grain. ``turbulence`` returns the channels
(RGBA, or those asked for) that the filter primitive generates, as values in [0, 1].

Sampling follows resvg and Inkscape: pixel ``(x, y)`` of the result takes the noise
at the point ``(x, y)`` of the filter's user space (its top-left corner, not its
centre; Chromium samples one pixel further on). On a rotated element resvg keeps the
noise axis-aligned (it applies only the translation and scale of the element's
transform) while Chromium turns it with the element: a filter rotated per stroke
would look different in the two.
"""
from __future__ import annotations

import math
from functools import lru_cache

import torch

_RAND_M = 2147483647  # 2**31 - 1
_RAND_A = 16807  # 7**5, a primitive root of m
_RAND_Q = 127773  # m // a
_RAND_R = 2836  # m % a
_BSIZE = 0x100
_BM = 0xFF
_PERLIN_N = 0x1000


def _setup_seed(seed: int) -> int:
    if seed <= 0:  # C's remainder, which keeps the dividend's sign
        seed = -int(math.fmod(seed, _RAND_M - 1)) + 1
    return min(seed, _RAND_M - 1)


def _random(seed: int) -> int:
    """Park and Miller's minimal standard generator: the next value in [1, 2**31 - 2]."""
    seed = _RAND_A * (seed % _RAND_Q) - _RAND_R * (seed // _RAND_Q)
    return seed + _RAND_M if seed <= 0 else seed


@lru_cache(maxsize=32)
def _tables(seed: int) -> tuple[tuple[int, ...], tuple[tuple[tuple[float, float], ...], ...]]:
    """The lattice permutation ([2 * 256 + 2]) and the unit gradients of the four
    channels ([4][2 * 256 + 2][2]) of the specification's ``init(seed)``."""
    seed = _setup_seed(seed)
    lattice = [0] * (2 * _BSIZE + 2)
    gradient = [[(0.0, 0.0)] * (2 * _BSIZE + 2) for _ in range(4)]
    for k in range(4):
        for i in range(_BSIZE):
            lattice[i] = i
            g = []
            for _ in range(2):
                seed = _random(seed)
                g.append(float((seed % (_BSIZE + _BSIZE)) - _BSIZE) / _BSIZE)
            norm = math.sqrt(g[0] * g[0] + g[1] * g[1]) or 1.0
            gradient[k][i] = (g[0] / norm, g[1] / norm)
    for i in range(_BSIZE - 1, 0, -1):
        k = lattice[i]
        seed = _random(seed)
        j = seed % _BSIZE
        lattice[i] = lattice[j]
        lattice[j] = k
    for i in range(_BSIZE + 2):
        lattice[_BSIZE + i] = lattice[i]
        for k in range(4):
            gradient[k][_BSIZE + i] = gradient[k][i]
    return tuple(lattice), tuple(tuple(g) for g in gradient)


def _noise2(lattice: torch.Tensor, grad: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The specification's ``noise2`` on the grid of points ``(x[j], y[i])`` (``x``
    [W] and ``y`` [H], float64) for the channels of ``grad`` ([C, 2 * 256 + 2, 2])
    at once: [C,H,W] float32. Lattice cells and fractions are found per row and per
    column in float64 (exact cells), the weighted gradients summed in float32; the
    cells and weights are the same for every channel. No tile stitching."""
    tx, ty = x + _PERLIN_N, y + _PERLIN_N
    bx0, by0 = tx.trunc(), ty.trunc()
    rx0, ry0 = tx - bx0, ty - by0
    sx = (rx0 * rx0 * (3.0 - 2.0 * rx0)).float().view(1, 1, -1)
    sy = (ry0 * ry0 * (3.0 - 2.0 * ry0)).float().view(1, -1, 1)
    rx0, ry0 = rx0.float().view(1, 1, -1), ry0.float().view(1, -1, 1)
    rx1, ry1 = rx0 - 1.0, ry0 - 1.0
    bx0, by0 = bx0.long(), by0.long()
    bx1, by1 = (bx0 + 1) & _BM, (by0 + 1) & _BM
    bx0, by0 = (bx0 & _BM)[:, None].T, (by0 & _BM)[:, None]
    i, j = lattice[bx0], lattice[bx1][None]  # [1,W] each
    by1 = by1[:, None]
    b00, b10, b01, b11 = lattice[i + by0], lattice[j + by0], lattice[i + by1], lattice[j + by1]  # [H,W]

    gx, gy = grad[..., 0].float().contiguous(), grad[..., 1].float().contiguous()  # [C, 2 * 256 + 2] each

    def dot(b: torch.Tensor, rx: torch.Tensor, ry: torch.Tensor) -> torch.Tensor:
        return rx * gx[:, b] + ry * gy[:, b]

    u, v = dot(b00, rx0, ry0), dot(b10, rx1, ry0)
    a = u + sx * (v - u)
    u, v = dot(b01, rx0, ry1), dot(b11, rx1, ry1)
    b = u + sx * (v - u)
    return a + sy * (b - a)


def turbulence(height: int, width: int, base_frequency: float | tuple[float, float], octaves: int = 1,
               seed: int = 0, fractal: bool = False, origin: tuple[float, float] = (0.0, 0.0),
               device: torch.device | str = "cpu", channels: tuple[int, ...] = (0, 1, 2, 3)) -> torch.Tensor:
    """The RGBA values in [0, 1] (not premultiplied; [len(channels), height, width])
    that ``<feTurbulence baseFrequency=... numOctaves=... seed=... type=...>`` generates
    over a ``width`` x ``height`` pixel region whose top-left pixel is the user-space
    point ``origin``; ``fractal``: type="fractalNoise", else "turbulence". Values
    are those of the filter's colour space (linearRGB unless the SVG says
    ``color-interpolation-filters="sRGB"``). ``channels``: which of R, G, B, A (0 to
    3) to compute, one row each in that order (a grain needs one)."""
    fx, fy = (base_frequency, base_frequency) if isinstance(base_frequency, (int, float)) else base_frequency
    lattice_t, grad_t = _tables(int(seed))
    lattice = torch.tensor(lattice_t, dtype=torch.long, device=device)
    grad = torch.tensor([grad_t[c] for c in channels], dtype=torch.float64, device=device)
    y = torch.arange(height, dtype=torch.float64, device=device) + origin[1]
    x = torch.arange(width, dtype=torch.float64, device=device) + origin[0]
    out = torch.zeros(len(channels), height, width, device=device)
    vx, vy, ratio = x * fx, y * fy, 1.0
    for _ in range(max(0, int(octaves))):
        n = _noise2(lattice, grad, vx, vy)
        out += (n if fractal else n.abs()) / ratio
        vx, vy, ratio = vx * 2, vy * 2, ratio * 2
    out = (out + 1) / 2 if fractal else out
    return out.clamp(0.0, 1.0)
