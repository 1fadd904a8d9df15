"""painter.materials.noise computes SVG's feTurbulence: resvg (an independent implementation of
the SVG specification) draws the same noise from the filter element."""
import numpy as np
import pytest
import torch

from painter.materials.noise import _random, turbulence

from .conftest import psnr_np, resvg_render

SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">
<filter id="n" x="0" y="0" width="{w}" height="{h}" filterUnits="userSpaceOnUse" color-interpolation-filters="sRGB">
<feTurbulence type="{kind}" baseFrequency="{fx} {fy}" numOctaves="{octaves}" seed="{seed}"/>
<feColorMatrix type="matrix" values="{matrix}"/>
</filter>
<rect width="{w}" height="{h}" filter="url(#n)"/>
</svg>"""


@pytest.mark.parametrize("kind, fx, fy, octaves, seed", [
    ("fractalNoise", 0.05, 0.05, 1, 0),
    ("fractalNoise", 0.11, 0.03, 3, 7),  # streaks: stretched along x
    ("turbulence", 0.08, 0.08, 4, 123),
    ("turbulence", 0.3, 0.3, 2, -5),  # a negative seed, fine grain
])
def test_turbulence_matches_resvg(kind, fx, fy, octaves, seed):
    """RGB with the alpha set to 1 by a colour matrix, and the alpha shown as grey.
    Filters keep premultiplied 8-bit colour, so where the noise's own alpha is low
    resvg's RGB has lost its precision: RGB is compared where alpha >= 1/4."""
    h, w = 48, 64
    ours = (turbulence(h, w, (fx, fy), octaves, seed, fractal=kind == "fractalNoise").permute(1, 2, 0).numpy()
            * 255).round().astype(np.uint8)
    svg = SVG.replace("{w}", str(w)).replace("{h}", str(h)).format(kind=kind, fx=fx, fy=fy, octaves=octaves,
                                                                    seed=seed, matrix="{matrix}")
    rgb = resvg_render(svg.format(matrix="1 0 0 0 0  0 1 0 0 0  0 0 1 0 0  0 0 0 0 1"))
    alpha = resvg_render(svg.format(matrix="0 0 0 1 0  0 0 0 1 0  0 0 0 1 0  0 0 0 0 1"))
    assert psnr_np(ours[..., 3], alpha[..., 0]) >= 45
    seen = ours[..., 3] >= 64
    assert seen.mean() > 0.2
    assert psnr_np(ours[..., :3][seen], rgb[seen]) >= 40


def test_noise_is_seeded():
    a, b = turbulence(16, 16, 0.1, 2, seed=1), turbulence(16, 16, 0.1, 2, seed=2)
    assert torch.equal(a, turbulence(16, 16, 0.1, 2, seed=1)) and not torch.equal(a, b)
    assert 0.0 <= float(a.min()) and float(a.max()) <= 1.0 and float(a.std()) > 0.05


def test_park_miller_generator():
    # the minimal standard generator's published check: from seed 1, the 10,000th value
    s = 1
    for _ in range(10000):
        s = _random(s)
    assert s == 1043618065


def test_channels_asked_for_are_those_of_the_full_noise():
    full = turbulence(20, 30, (0.07, 0.2), 3, seed=11, fractal=True)
    assert torch.equal(turbulence(20, 30, (0.07, 0.2), 3, seed=11, fractal=True, channels=(3,)), full[3:])
    assert torch.equal(turbulence(20, 30, (0.07, 0.2), 3, seed=11, fractal=True, channels=(2, 0)), full[[2, 0]])
