"""painter.materials.filters computes SVG filter primitives as resvg (an independent
implementation of the specification) draws them."""
import math

import numpy as np
import pytest
import torch

from painter.materials.filters import diffuse_lighting
from painter.materials.noise import turbulence

from .conftest import psnr_np, resvg_render

LIGHT = """<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">
<filter id="n" x="0" y="0" width="{w}" height="{h}" filterUnits="userSpaceOnUse" color-interpolation-filters="sRGB">
<feTurbulence type="fractalNoise" baseFrequency="{f}" numOctaves="2" seed="4"/>
<feDiffuseLighting surfaceScale="{ss}" diffuseConstant="{kd}" lighting-color="white">
<feDistantLight azimuth="{az}" elevation="{el}"/></feDiffuseLighting>
</filter><rect width="{w}" height="{h}" filter="url(#n)"/></svg>"""


@pytest.mark.parametrize("ss, kd, az, el, f", [(3, 1.0, 45, 30, 0.08), (8, 0.8, 200, 50, 0.15), (1, 1.2, 0, 10, 0.04)])
def test_diffuse_lighting_matches_resvg(ss, kd, az, el, f):
    """Relief lit from a distant light, the height map being the alpha of a noise
    (8-bit, as the filter chain keeps it); the image's border pixels included (the
    specification's one-sided kernels)."""
    h, w = 48, 64
    height = (turbulence(h, w, f, 2, 4, fractal=True)[3] * 255).round() / 255
    ours = (diffuse_lighting(height.double(), ss, kd, az, el).permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    theirs = resvg_render(LIGHT.format(w=w, h=h, f=f, ss=ss, kd=kd, az=az, el=el))
    assert psnr_np(ours, theirs) >= 55


def test_flat_surface_takes_the_light_s_elevation():
    lit = diffuse_lighting(torch.full((8, 9), 0.7), surface_scale=5, diffuse_constant=0.9, elevation=30)
    assert torch.allclose(lit, torch.full_like(lit, 0.9 * math.sin(math.radians(30))), atol=1e-6)


CHAIN = """<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">
<filter id="n" x="0" y="0" width="{w}" height="{h}" filterUnits="userSpaceOnUse" color-interpolation-filters="sRGB">
<feTurbulence type="fractalNoise" baseFrequency="0.1" numOctaves="2" seed="9" result="t"/>
<feColorMatrix in="t" type="matrix" values="{m}" result="g"/>
<feComposite in="SourceGraphic" in2="g" operator="arithmetic" k1="{k[0]}" k2="{k[1]}" k3="{k[2]}" k4="{k[3]}"/>
</filter><rect width="{w}" height="{h}" fill="#c87030" filter="url(#n)"/></svg>"""


@pytest.mark.parametrize("k", [(0.5, 0.8, 0.3, -0.1), (1.2, 0.3, 0.0, 0.05)])
def test_color_matrix_and_arithmetic_composite_match_resvg(k):
    """A paint colour modulated by grey noise: the chain a grain material uses (the
    noise's colour mixed to grey by a colour matrix, then combined with the source by
    an arithmetic composite, clamped as the specification says)."""
    from painter.materials.filters import arithmetic, color_matrix

    h, w = 48, 64
    m = [0.3, 0.3, 0.3, 0, 0] * 3 + [0, 0, 0, 0, 1]
    noise = turbulence(h, w, 0.1, 2, 9, fractal=True).double()
    grey = color_matrix(torch.cat([noise[:3] * noise[3:], noise[3:]]), m)
    source = torch.tensor([0xC8 / 255, 0x70 / 255, 0x30 / 255, 1.0], dtype=torch.float64).view(4, 1, 1)
    out = arithmetic(source.expand(4, h, w), grey, *k)
    assert torch.allclose(out[3], torch.ones(h, w, dtype=torch.float64))
    ours = (out[:3].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    theirs = resvg_render(CHAIN.format(w=w, h=h, m=" ".join(map(str, m)), k=k))
    assert psnr_np(ours, theirs) >= 44


BLUR = """<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">
<filter id="b" x="0" y="0" width="{w}" height="{h}" filterUnits="userSpaceOnUse" color-interpolation-filters="sRGB">
<feGaussianBlur stdDeviation="{sd}"/></filter>
<g filter="url(#b)"><rect x="20" y="15" width="30" height="25" fill="#d04020"/>
<circle cx="55" cy="40" r="12" fill="#2050c0"/></g></svg>"""


def _rgba(svg: str) -> torch.Tensor:
    """resvg's drawing of ``svg`` as premultiplied RGBA [4,H,W] in [0,1]."""
    x = torch.from_numpy(resvg_render(svg, "RGBA").astype(np.float64) / 255).permute(2, 0, 1)
    return torch.cat([x[:3] * x[3:], x[3:]])


@pytest.mark.parametrize("sd", ["2", "3.5", "6 2.5"])
def test_box_blur_matches_resvg(sd):
    """feGaussianBlur for deviations of 2 or more (the five-box approximation; 2 is
    the case whose box count rounds a half, away from zero as resvg does)."""
    from painter.materials.filters import box_blur

    h, w = 60, 80
    svg = BLUR.format(w=w, h=h, sd=sd)
    source = (_rgba(svg.replace(' filter="url(#b)"', "")) * 255).round() / 255
    sx, sy = (float(v) for v in (sd.split() * 2)[:2])
    ours, theirs = box_blur(source, sx, sy), _rgba(svg)
    assert torch.equal((ours[3] * 255).round(), (theirs[3] * 255).round())
    assert float(10 * torch.log10(1 / ((ours[:3] - theirs[:3]) ** 2).mean())) >= 55


TRANSFER = """<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">
<linearGradient id="g"><stop offset="0" stop-color="#000000"/><stop offset="1" stop-color="#ffffff"/></linearGradient>
<filter id="n" x="0" y="0" width="{w}" height="{h}" filterUnits="userSpaceOnUse" color-interpolation-filters="sRGB">
<feComponentTransfer><feFuncR type="table" tableValues="0 0.8 0.2 1"/>
<feFuncG type="discrete" tableValues="0.1 0.5 0.9"/><feFuncB type="gamma" amplitude="1.5" exponent="2.2" offset="0.05"/>
<feFuncA type="linear" slope="-0.5" intercept="0.9"/></feComponentTransfer>
</filter><rect width="{w}" height="{h}" fill="url(#g)" filter="url(#n)"/></svg>"""


def test_component_transfer_matches_resvg():
    """Every function type on a black-to-white ramp (every 8-bit level once), the
    alpha made translucent by its own function."""
    from painter.materials.filters import component_transfer

    svg = TRANSFER.format(w=256, h=8)
    source = _rgba(svg.replace(' filter="url(#n)"', ""))
    ours = component_transfer(source, ("table", [0, 0.8, 0.2, 1]), ("discrete", [0.1, 0.5, 0.9]),
                              ("gamma", 1.5, 2.2, 0.05), ("linear", -0.5, 0.9))
    theirs = _rgba(svg)
    for c in range(4):
        assert float((ours[c] - theirs[c]).abs().max()) <= 1.5 / 255, c
