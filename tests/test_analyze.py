"""painter.style.analyze measures what a painting's style is made of, on pictures whose
answers are known."""
import math

import pytest
import torch

from painter.style.analyze import measure, orientation, texture_scale


def stripes(period: float, angle: float = 0.3, size: int = 256) -> torch.Tensor:
    y, x = torch.meshgrid(torch.arange(size).float(), torch.arange(size).float(), indexing="ij")
    v = 0.5 + 0.4 * torch.sin(2 * math.pi * (x * math.cos(angle) + y * math.sin(angle)) / period)
    return v.expand(3, -1, -1).contiguous()


def rings(period: float, size: int = 256) -> torch.Tensor:
    y, x = torch.meshgrid(torch.arange(size).float(), torch.arange(size).float(), indexing="ij")
    r = torch.sqrt((x - size / 2) ** 2 + (y - size / 2) ** 2)
    return (0.5 + 0.4 * torch.sin(2 * math.pi * r / period)).expand(3, -1, -1).contiguous()


@pytest.mark.parametrize("period", [6.0, 12.0, 24.0])
def test_texture_scale_finds_the_wavelength(period):
    assert texture_scale(stripes(period)) == pytest.approx(period, rel=0.15)


def test_straight_brushwork_is_coherent_and_does_not_swirl():
    straight_coh, straight_swirl = orientation(stripes(10), 2.5)
    ring_coh, ring_swirl = orientation(rings(10), 2.5)
    noise_coh, _ = orientation(torch.rand(3, 256, 256, generator=torch.Generator().manual_seed(0)), 2.5)
    assert straight_coh > 0.9 and ring_coh > 0.8 and noise_coh < 0.5
    assert straight_swirl < 0.05 < ring_swirl


def test_dark_outlines_and_broken_colour():
    """Flat patches: no variance; with dark outlines around them, dark contours;
    with noise over them, broken colour."""
    img = torch.empty(3, 200, 200)
    img[:, :, :100] = torch.tensor([0.8, 0.6, 0.3]).view(3, 1, 1)
    img[:, :, 100:] = torch.tensor([0.4, 0.6, 0.8]).view(3, 1, 1)
    flat = measure(img)
    outlined = img.clone()
    outlined[:, :, 97:103] = 0.05
    lined = measure(outlined)
    broken = measure((img + 0.15 * torch.randn(3, 200, 200, generator=torch.Generator().manual_seed(1))).clamp(0, 1))
    assert lined.contours > flat.contours + 0.2
    assert flat.variance < 0.05 < broken.variance
    assert len(flat.palette) == 8
    lumas = [0.299 * r + 0.587 * g + 0.114 * b for r, g, b in flat.palette]
    assert lumas == sorted(lumas)  # darkest first


def test_different_paintings_give_different_presets():
    """Long straight brushwork, fine noise and outlined flat patches become presets
    that differ where they should: long strokes for the first, translucent layers of
    broken colour for the second, opaque paint with dark contour lines and a print
    for the third; each reads back."""
    from painter.style.analyze import preset, to_toml
    from painter.style.presets import read_toml
    from painter.style.styles import style_from_dict

    g = torch.Generator().manual_seed(2)
    patches = torch.rand(3, 8, 8, generator=g).repeat_interleave(32, 1).repeat_interleave(32, 2)
    outlined = patches.clone()
    outlined[:, ::32] = outlined[:, 1::32] = outlined[:, :, ::32] = outlined[:, :, 1::32] = 0.05
    styles = {}
    for name, img in (("stripes", stripes(14)), ("noise", torch.rand(3, 256, 256, generator=g)),
                      ("outlined", outlined)):
        d = preset(img, name)
        styles[name] = style_from_dict(read_toml(to_toml(d), f"{name}.toml"), name)
    assert styles["stripes"].brush.aspect > styles["noise"].brush.aspect + 1
    assert styles["noise"].size == 512 and styles["stripes"].size == 256  # fine brushwork needs the pixels
    assert styles["noise"].brush.opacity[0] < styles["outlined"].brush.opacity[0]  # broken colour: layered
    assert any(layer.dark for layer in styles["outlined"].layers)
    assert not any(layer.dark for layer in styles["stripes"].layers)
    assert styles["outlined"].material.name == "print"


def test_the_working_size_is_a_quarter_of_the_output_and_at_least_the_style_s():
    from painter.defaults import working_size

    assert [working_size(n) for n in (200, 512, 1500, 2048, 4096)] == [200, 256, 375, 512, 512]
    assert [working_size(n, 512) for n in (200, 512, 1500)] == [200, 512, 512]


def test_the_palette_is_the_best_of_several_k_means_runs():
    """A colour wheel has many near-equal 8-colour palettes; one k-means run keeps
    whichever local optimum its seeds fall into (the same painting at two sizes
    measured 7 CIELAB units apart). kmeans_palette keeps the best of its runs: its
    palette fits the colours as well as the best of eight single runs."""
    from skimage import data

    from painter.image.color import kmeans_palette, pixels, srgb_to_lab

    img = (torch.from_numpy(data.colorwheel()[..., :3].copy()).float() / 255).permute(2, 0, 1)
    colours = pixels(img, 20000, torch.Generator().manual_seed(0))
    lab = srgb_to_lab(colours)

    def error(palette):
        return float((torch.cdist(lab, srgb_to_lab(palette)).min(1).values ** 2).mean())

    singles = [error(kmeans_palette(colours, seed=s, restarts=1)) for s in range(8)]
    best = error(kmeans_palette(colours))
    assert best <= 1.01 * min(singles), (best, singles)
    assert max(singles) > 1.05 * min(singles), singles  # the wheel does have worse optima
