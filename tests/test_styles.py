import math

import pytest
import torch

from painter.image.color import pixels, sliced_wasserstein, srgb_to_lab, transfer_colors
from painter.engine.run import paint
from painter.style.styles import StyleError, list_styles, load_style, make_exemplar

from .conftest import ROOT, photo, run_cli

PRESETS = {"van_gogh", "monet", "seurat", "hokusai", "sumi_e", "watercolor", "sketch", "pop_art"}


def _photo(size=48):
    return torch.from_numpy(photo("astronaut", size)).permute(2, 0, 1).float() / 255


def test_presets_load_with_brush_palette_layers():
    styles = list_styles()
    assert {s.name for s in styles} == PRESETS
    for s in styles:
        assert s.description and s.palette and s.layers, s.name
        assert abs(sum(l.fraction for l in s.layers) - 1) < 1e-6, s.name
        assert s.strokes > 0 and 0 <= s.palette_strength <= 1


def test_unknown_style_suggests_close_names(tmp_path):
    with pytest.raises(StyleError, match="did you mean van_gogh"):
        load_style("van_gohg")
    bad = tmp_path / "notes.txt"
    bad.write_text("not a painting")
    with pytest.raises(StyleError, match="not an image"):
        load_style(str(bad))


def test_exemplars_are_deterministic_and_differ():
    ims = {s.name: make_exemplar(s, 64) for s in list_styles()}
    assert torch.equal(ims["seurat"], make_exemplar(load_style("seurat"), 64))
    names = sorted(ims)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert (ims[a] - ims[b]).abs().mean() > 0.05, (a, b)


def test_colour_transfer_moves_the_distribution():
    src, style = _photo(64), make_exemplar(load_style("van_gogh"), 64)
    lab = lambda im: srgb_to_lab(pixels(im))  # noqa: E731
    before = sliced_wasserstein(lab(src), lab(style))
    after = sliced_wasserstein(lab(transfer_colors(src, pixels(style))), lab(style))
    assert after < 0.2 * before


def test_style_from_a_painting_file(tmp_path):
    from PIL import Image

    p = tmp_path / "painting.png"
    Image.fromarray(photo("coffee", 40)).save(p)
    s = load_style(str(p))
    assert s.name == "painting" and len(s.palette) == 8 and s.image is not None


@pytest.mark.parametrize("name", ["van_gogh", "seurat", "sketch"])
def test_presets_paint_offline_with_a_notice(name, offline):
    notes = []
    st = load_style(name)
    r = paint(_photo(), style=st, size=48, steps=12, strokes=60, notice=notes.append)
    assert not offline, "painting tried a download"
    assert len(notes) == 1 and len(notes[0]) <= 100 and "painter weights fetch" in notes[0]
    assert r.strokes.meta["style"] == name and not r.strokes.meta["neural_style"]
    # the palette pulls stroke colours to the style's inks
    pal = torch.tensor(st.palette)
    d = torch.cdist(r.strokes.colors, pal).min(1).values.mean()
    d_photo = torch.cdist(pixels(_photo()), pal).min(1).values.mean()
    assert d < d_photo


def test_sketch_is_thin_and_dark_seurat_is_dots():
    sk = paint(_photo(64), style="sketch", size=64, steps=10, strokes=80, notice=lambda m: None).strokes
    lines = (sk.layer >= 1) & (sk.layer <= 3)  # hatching, cross-hatching and contours: dark hairlines
    assert lines.sum() > 20 and float(sk.widths[lines].max()) * 64 <= 1.6 + 1e-4
    assert float(sk.colors[lines].mean()) < 0.45
    tone = sk.colors[~lines]  # the side of the pencil: grey shading
    assert len(tone) > 10 and float((tone.amax(1) - tone.amin(1)).max()) < 0.05
    se = paint(_photo(64), style="seurat", size=64, steps=10, strokes=80, notice=lambda m: None).strokes
    length = (se.points[:, 3] - se.points[:, 0]).norm(dim=-1)
    assert float((length / se.widths.mean(1)).median()) < 1.6


def test_presets_are_found_through_importlib_resources(monkeypatch):
    from importlib import resources

    from painter.style import presets

    names = sorted(p.stem for p in (ROOT / "styles").glob("*.toml"))
    assert presets.preset_names() == names and len(names) == 8
    assert str(resources.files("painter.builtin_styles")) == str(presets.presets_dir())  # the package, installed
    assert [n for n, _ in presets.describe_presets()] == names
    assert all(d for _, d in presets.describe_presets())

    def missing(name):  # a checkout run with nothing installed
        raise ModuleNotFoundError(name)

    monkeypatch.setattr(presets.resources, "files", missing)
    assert presets.presets_dir() == presets.CHECKOUT_DIR and presets.preset_names() == names


def test_find_style_names_what_a_style_argument_is(tmp_path):
    from painter.style.presets import StyleError, find_style

    (tmp_path / "mine.toml").write_text('name = "mine"\n')
    (tmp_path / "painting.png").write_bytes(b"")
    assert find_style("none") == ("none", "none")
    assert find_style("monet") == ("preset", "monet")
    assert find_style(str(tmp_path / "mine.toml")) == ("toml", str(tmp_path / "mine.toml"))
    assert find_style(str(tmp_path / "painting.png")) == ("image", str(tmp_path / "painting.png"))
    with pytest.raises(StyleError, match="did you mean monet"):
        find_style("monett")
    with pytest.raises(StyleError, match="available: none, hokusai"):
        find_style("zzzzzz")
    assert load_style(str(tmp_path / "mine.toml")).name == "mine"


def test_cli_styles_lists_presets():
    r = run_cli("styles")
    assert r.returncode == 0
    assert {line.split()[0] for line in r.stdout.strip().splitlines()} == PRESETS


def test_contact_sheet_rows_fit_their_pictures():
    from painter.export.sheet import contact_sheet

    tall, wide = torch.full((3, 40, 20), 0.2), torch.full((3, 10, 30), 0.8)
    sheet = contact_sheet([("a", tall), ("b", tall), ("c", wide), ("d", wide)], columns=2, pad=4, label_height=10)
    # rows of 40 and 10 pixels (plus labels and padding), columns as wide as the widest picture
    assert sheet.shape == (3, 4 + (40 + 10 + 4) + (10 + 10 + 4), 4 + 2 * (30 + 4))
    assert torch.allclose(sheet[:, 4 + 54, 4], torch.full((3,), 0.8), atol=0.01)  # second row starts right after the first


def test_a_painting_s_style_is_its_measured_preset_with_its_texture(tmp_path):
    """--style PAINTING is the preset `painter styles --from` measures, plus the
    painting itself: the weight-free texture loss pulls the strokes toward the
    painting's texture (compared with the same style without it), and the SSIM
    content loss keeps the photo's structure."""
    from dataclasses import replace

    from PIL import Image

    from painter.style.analyze import preset
    from painter.image.io import load_image
    from painter.engine.losses import ssim_loss
    from painter.style.texture import FilterBank, texture_loss

    y, x = torch.meshgrid(torch.arange(160.0), torch.arange(160.0), indexing="ij")
    waves = 0.5 + 0.45 * torch.sin(2 * math.pi * (x + 6 * torch.sin(y / 9)) / 7)  # fine wavy dashes
    art = torch.stack([0.2 + 0.6 * waves, 0.3 + 0.4 * waves, 0.8 - 0.5 * waves])
    p = tmp_path / "waves.png"
    Image.fromarray((art.permute(1, 2, 0).numpy() * 255).astype("uint8")).save(p)
    st = load_style(str(p))
    measured = preset(load_image(p), "waves")
    assert st.strokes == measured["strokes"] and st.brush.aspect == measured["brush"]["aspect"]
    assert st.texture_weight > 0 and st.ssim_weight > 0 and st.image is not None
    bank = FilterBank(seed=0)
    img = _photo(64)
    target = bank.statistics(torch.nn.functional.interpolate(st.image[None], size=(64, 64), mode="area")[0],
                             texture_only=True)
    runs = {w: paint(img, style=replace(st, texture_weight=w), size=64, steps=60, notice=lambda m: None)
            for w in (0.0, st.texture_weight)}
    near = {w: float(texture_loss(bank.statistics(r.image, texture_only=True), target)) for w, r in runs.items()}
    assert near[st.texture_weight] < 0.8 * near[0.0], near
    plain = paint(img, style=replace(st, ssim_weight=0.0), size=64, steps=60, notice=lambda m: None)
    kept = runs[st.texture_weight]
    assert float(ssim_loss(kept.image, kept.target)) < float(ssim_loss(plain.image, plain.target))


def test_the_texture_loss_sees_the_painting_at_the_style_scale():
    """--style-scale 2 shows the painting's brushwork twice as large: fine stripes
    seen at twice their size are nearer to stripes twice as wide."""
    from dataclasses import replace

    from painter.engine.losses import texture_term

    y, x = torch.meshgrid(torch.arange(128.0), torch.arange(128.0), indexing="ij")
    fine = (0.5 + 0.4 * torch.sin(2 * math.pi * (x + y) / 6)).expand(3, -1, -1)
    wide = (0.5 + 0.4 * torch.sin(2 * math.pi * (x + y) / 12)).expand(3, -1, -1)
    st = replace(load_style("none"), texture_weight=1.0, image=fine.contiguous())
    assert texture_term(st, "cpu", 2.0)(wide) < 0.5 * texture_term(st, "cpu", 1.0)(wide)


def test_the_coherence_pull_moves_the_edges_toward_the_painting_s():
    """A style with only the coherence pull, optimized on noise pixels toward a
    striped painting: the edges come to run one way."""
    from dataclasses import replace

    from painter.image.imageops import coherence
    from painter.engine.losses import texture_term

    y, x = torch.meshgrid(torch.arange(64.0), torch.arange(64.0), indexing="ij")
    stripes = (0.5 + 0.4 * torch.sin(2 * math.pi * (x + 0.5 * y) / 8)).expand(3, -1, -1).contiguous()
    st = replace(load_style("none"), coherence_weight=1.0, image=stripes)
    term = texture_term(st, "cpu")
    img = torch.rand(3, 64, 64, generator=torch.Generator().manual_seed(0)).requires_grad_()
    start = float(coherence(img.detach(), 1.5))
    opt = torch.optim.Adam([img], lr=0.02)
    for _ in range(60):
        opt.zero_grad()
        term(img).backward()
        opt.step()
    assert float(coherence(img.detach(), 1.5)) > start + 0.2


def test_the_value_only_losses_move_values_not_hues():
    """The texture and coherence terms judge light and dark alone, so pushing a
    coloured picture by them (against a pixel loss, by plain gradient steps) lightens
    or darkens each pixel by the same amount in R, G and B: a blue stays blue. Through
    luma's true gradient, green moved twice as far as red: lights went green."""
    from dataclasses import replace

    from painter.engine.losses import texture_term

    y, x = torch.meshgrid(torch.arange(64.0), torch.arange(64.0), indexing="ij")
    stripes = (0.5 + 0.4 * torch.sin(2 * math.pi * (x + 0.5 * y) / 6)).expand(3, -1, -1).contiguous()
    st = replace(load_style("none"), texture_weight=1.0, coherence_weight=1.0, image=stripes)
    term = texture_term(st, "cpu")
    start = torch.stack([0.2 + 0.2 * torch.rand(64, 64, generator=torch.Generator().manual_seed(1)),
                         torch.full((64, 64), 0.35), torch.full((64, 64), 0.7)])  # a mottled blue
    img = start.clone().requires_grad_()
    opt = torch.optim.SGD([img], lr=2.0)
    for _ in range(20):
        opt.zero_grad()
        loss = ((img - start) ** 2).mean() + term(img)
        loss.backward()
        opt.step()
    moved = (img.detach() - start).abs()
    assert moved.mean() > 1e-3  # the terms did push
    spread = (img.detach() - start).amax(0) - (img.detach() - start).amin(0)  # the channels' disagreement
    assert spread.max() < 1e-3 * moved.max(), (float(spread.max()), float(moved.max()))


def test_the_ssim_loss_moves_greys_beside_the_texture_terms():
    """Where a texture term runs, the SSIM content loss pushes values along grey as
    the texture terms do (equal steps in R, G and B); elsewhere it keeps luma's own
    gradient, green first."""
    from painter.engine.losses import ssim_loss

    g = torch.Generator().manual_seed(2)
    photo, img = torch.rand(3, 32, 32, generator=g), torch.rand(3, 32, 32, generator=g)
    grads = {}
    for grey in (True, False):
        x = img.clone().requires_grad_()
        ssim_loss(x, photo, grey=grey).backward()
        grads[grey] = x.grad
    assert float(grads[True].abs().max()) > 0
    assert torch.equal(grads[True][0], grads[True][1]) and torch.equal(grads[True][1], grads[True][2])
    r, gr, b = (float(c.abs().sum()) for c in grads[False])
    assert gr > 1.9 * r > 1.9 * 2.5 * b


def test_a_paint_run_asks_for_grey_ssim_only_beside_a_texture_term(monkeypatch):
    """The optimizer passes ``grey`` to the SSIM loss when, and only when, the style
    carries a texture term."""
    from dataclasses import replace

    import painter.engine.run as run_module

    seen = []
    real = run_module.ssim_loss

    def spy(*args, grey=False, **kw):
        seen.append(grey)
        return real(*args, grey=grey, **kw)

    monkeypatch.setattr(run_module, "ssim_loss", spy)
    y, x = torch.meshgrid(torch.arange(48.0), torch.arange(48.0), indexing="ij")
    stripes = (0.5 + 0.4 * torch.sin(2 * math.pi * (x + y) / 6)).expand(3, -1, -1).contiguous()
    base = replace(load_style("none"), ssim_weight=0.04, image=stripes)
    for texture, want in ((1.0, True), (0.0, False)):
        seen.clear()
        paint(_photo(48), style=replace(base, texture_weight=texture), size=48, steps=4, notice=lambda m: None)
        assert seen and set(seen) == {want}


def test_an_exemplar_mixes_hues_of_like_value():
    """Mixed strokes take a palette colour near their own value: three dark hues and
    three light ones never trade places."""
    from painter.style.styles import MIX_SHARE, mix_by_value

    dark = torch.tensor([[0.1, 0.1, 0.4], [0.3, 0.05, 0.05], [0.05, 0.2, 0.05]])
    light = torch.tensor([[1.0, 0.95, 0.5], [0.7, 0.95, 1.0], [1.0, 0.85, 0.85]])
    palette = torch.cat([dark, light])
    g = torch.Generator().manual_seed(0)
    colors = palette[torch.randint(6, (2000,), generator=g)]
    mixed = mix_by_value(colors, palette, g)
    changed = (mixed != colors).any(1)
    assert abs(float(changed.float().mean()) - MIX_SHARE * 2 / 3) < 0.05  # a third draw their own colour back
    was_dark = (colors[:, None] == dark[None]).all(-1).any(1)
    is_dark = (mixed[:, None] == dark[None]).all(-1).any(1)
    assert torch.equal(was_dark, is_dark)
    assert len(torch.unique(mixed[was_dark], dim=0)) == 3  # every dark hue mixes into the darks
