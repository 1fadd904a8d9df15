"""A painting's marks measured from its texture (painter.style.marks), the brush
drawing lengths from them, and colour moved tone by tone (issue 27)."""
import math

import torch

from painter.engine.place import place_strokes
from painter.image.color import srgb_to_lab, transfer_colors
from painter.style.marks import mark_distance, marks


def dashes(length: int, width: int, gap: int, size: int = 256) -> torch.Tensor:
    """[3,size,size]: light horizontal dashes ``length`` x ``width`` px on dark, rows
    ``gap`` px apart, each row's dashes shifted by half a period."""
    img = torch.full((size, size), 0.2)
    period = length + length // 2
    for i, y in enumerate(range(0, size - width, gap)):
        for x in range((i % 2) * period // 2 - period, size, period):
            img[y:y + width, max(0, x):max(0, x + length)] = 0.8
    return img.expand(3, size, size).clone()


def test_marks_read_the_length_width_and_spacing_of_dashes():
    m = marks(dashes(24, 3, 8), wavelength=8.0)
    assert 0.6 < m.length[1] * 256 / 24 < 1.5  # shares of the longer side
    assert 0.5 < m.width[1] * 256 / 3 < 2.0
    assert m.spacing[1] * 256 == 8.0  # the next row of dashes
    assert m.bend[1] < 0.3  # straight marks


def test_mark_distance_tells_long_marks_from_short():
    short, long_ = marks(dashes(8, 3, 8), wavelength=8.0), marks(dashes(40, 3, 8), wavelength=8.0)
    assert mark_distance(short, short) == 0.0
    assert mark_distance(short, long_) == mark_distance(long_, short) > 0.2
    assert long_.length[1] > 2.5 * short.length[1]


def test_colour_moves_tone_by_tone():
    """A grey ramp moved to a style of dark blues and light yellows: with lightness
    stretched, its shadows turn blue and its lights yellow."""
    ramp = torch.linspace(0.05, 0.95, 64)[None, :].expand(32, 64)
    img = ramp.expand(3, 32, 64).clone()
    style = torch.cat([torch.tensor([0.1, 0.15, 0.5]).expand(500, 3), torch.tensor([0.95, 0.85, 0.3]).expand(500, 3)])
    out = transfer_colors(img, style, iterations=32, lightness_weight=2.0)
    lab = srgb_to_lab(out.permute(1, 2, 0))
    assert lab[:, :12, 2].mean() < -20 and lab[:, -12:, 2].mean() > 20  # b*: blue shadows, yellow lights
    assert (lab[0, 1:, 0] >= lab[0, :-1, 0] - 1.0).all()  # the ramp's order of tones is kept


def test_the_brush_draws_lengths_from_a_spread():
    target = torch.rand(3, 64, 64, generator=torch.Generator().manual_seed(1))
    blank = torch.zeros(3, 64, 64)

    def lengths(spread):
        s = place_strokes(target, blank, 400, 2.0, 8.0, torch.Generator().manual_seed(0), length_spread=spread)
        return (s["points"][:, 3] - s["points"][:, 0]).norm(dim=1), s["stretch"]

    same, one = lengths(0.0)
    assert torch.allclose(same, torch.full_like(same, 8.0), atol=1e-4) and (one == 1).all()
    varied, stretch = lengths(0.5)
    assert abs(float(torch.log(varied).std()) - 0.5) < 0.1
    assert abs(float(torch.log(varied).median()) - math.log(8.0)) < 0.15
    assert torch.allclose(varied, 8.0 * stretch, atol=1e-3)


def test_a_length_map_lengthens_strokes_where_it_says_and_leaves_widths():
    target = torch.rand(3, 64, 64, generator=torch.Generator().manual_seed(1))
    blank = torch.zeros(3, 64, 64)
    longer = torch.ones(64, 64)
    longer[:, 32:] = 3.0  # the right half draws strokes three times as long
    s = place_strokes(target, blank, 300, 2.0, 6.0, torch.Generator().manual_seed(0), length_map=longer)
    length = (s["points"][:, 3] - s["points"][:, 0]).norm(dim=1)
    right = s["points"][:, :, 0].mean(1) >= 32.0  # centres: pixel + 0.5 + a jitter within half a pixel
    assert 50 < int(right.sum()) < 250
    assert torch.allclose(length[right], torch.full_like(length[right], 18.0), atol=0.6)
    assert torch.allclose(length[~right], torch.full_like(length[~right], 6.0), atol=0.6)
    assert torch.allclose(s["widths"], torch.full_like(s["widths"], 2.0))


def test_strokes_follow_the_measured_detail_ratio():
    """A preset's detail_length makes the strokes placed where the photo holds detail
    that many times as long as those where it is flat (their widths follow the size
    map either way)."""
    from painter.engine.run import SIZE_DETAIL, SIZE_FLAT, _length_map
    from painter.style.styles import Brush

    class P:  # the two things _length_map reads of a plan
        detail = torch.linspace(0, 1, 11).view(1, 1, 11)

    size_map = SIZE_FLAT + (SIZE_DETAIL - SIZE_FLAT) * P.detail[0]
    assert _length_map(P, Brush(), size_map) is None
    for ratio in (0.5, 2.0):
        total = _length_map(P, Brush(detail_length=ratio), size_map) * size_map
        assert abs(float(total[0, -1] / total[0, 0]) - ratio) < 1e-4
        assert abs(float(total[0, 0] * total[0, -1]) - SIZE_FLAT * SIZE_DETAIL) < 1e-4  # about the same mean size


def test_a_measured_preset_shows_the_marks():
    from painter.style.analyze import preset, to_toml

    d = preset(dashes(24, 3, 8), "dashes")
    assert len(d["measured"]["mark_length"]) == 3 and d["measured"]["mark_spacing"][1] > 0
    assert "mark_length = [" in to_toml(d)
    assert abs(d["brush"]["detail_length"] - d["measured"]["mark_detail_ratio"]) < 1e-3


def test_a_measured_preset_paints_its_finest_layer_with_the_painting_s_marks():
    """Broad dashes ask for fewer, wider strokes than narrow ones in rows as far
    apart, the stroke count following the marks' width (not the wavelength alone),
    and a preset working below 512 px may ask for more strokes than the 512-px cap,
    in proportion."""
    from painter.style.analyze import MAX_STROKES, MAX_WORK_SIZE, preset

    narrow, broad = preset(dashes(40, 3, 16), "narrow"), preset(dashes(40, 6, 16), "broad")
    assert narrow["size"] == broad["size"] == 256
    width = {k: d["measured"]["mark_width"][1] * 256 for k, d in (("narrow", narrow), ("broad", broad))}
    assert width["broad"] > 1.5 * width["narrow"]
    assert narrow["strokes"] > 2 * broad["strokes"]
    finest = preset(dashes(40, 2, 16), "finest")
    assert finest["size"] < MAX_WORK_SIZE
    assert finest["strokes"] == int(MAX_STROKES * MAX_WORK_SIZE / finest["size"]) > MAX_STROKES
