import torch

from painter import StrokeSet
from painter.image.imageops import psnr
from painter.engine.run import paint

from .conftest import photo


def _target(size=64):
    return torch.from_numpy(photo("astronaut", size)).permute(2, 0, 1).float() / 255


def test_paint_beats_flat_colour_and_improves_with_steps():
    t = _target()
    flat = psnr(t.mean((1, 2), keepdim=True).expand_as(t), t)
    few = paint(t, strokes=80, size=64, steps=10, seed=1)
    more = paint(t, strokes=80, size=64, steps=80, seed=1)
    assert more.psnr > flat + 5
    assert more.psnr > few.psnr + 0.5
    assert len(more.strokes) == 80
    assert more.strokes.num_layers == 4
    # coarse layers hold wider strokes than fine ones
    w = more.strokes.widths.mean(1)
    assert w[more.strokes.layer == 0].mean() > w[more.strokes.layer == 3].mean()
    assert more.history[-1] < more.history[0]


def test_paint_is_deterministic():
    t = _target(48)
    a = paint(t, strokes=40, size=48, steps=20, seed=3)
    b = paint(t, strokes=40, size=48, steps=20, seed=3)
    c = paint(t, strokes=40, size=48, steps=20, seed=4)
    assert a.strokes.to_json() == b.strokes.to_json()
    assert a.strokes.to_json() != c.strokes.to_json()


def test_strokes_stay_valid():
    r = paint(_target(48), strokes=50, size=48, steps=30, seed=0)
    s = r.strokes
    for t in (s.points, s.widths, s.colors, s.opacity):
        assert torch.isfinite(t).all()
    assert (s.widths > 0).all() and (s.colors >= 0).all() and (s.colors <= 1).all()
    assert r.image.shape == (3, 48, 48)


def test_non_square_and_meta():
    t = torch.rand(3, 30, 60)
    r = paint(t, strokes=20, size=60, steps=5, seed=0)
    assert r.strokes.canvas == (1.0, 0.5)
    assert r.image.shape == (3, 30, 60)
    assert r.strokes.meta["seed"] == 0 and r.strokes.meta["strokes"] == 20


def test_callback_sees_every_step_and_can_stop():
    seen = []

    def cb(step, strokes, image):
        assert isinstance(strokes, StrokeSet) and image.dim() == 3
        seen.append(step)
        return False if step == 7 else None

    paint(_target(32), strokes=20, size=32, steps=30, callback=cb)
    assert seen == list(range(1, 8))


def test_nan_in_the_loss_is_rolled_back():
    """A step whose loss turns NaN is undone (learning rates halved); no stroke holds NaN."""
    calls = {"n": 0}

    def sometimes_nan(image, target):
        calls["n"] += 1
        return image.sum() * float("nan") if calls["n"] in (3, 7) else image.sum() * 0

    r = paint(_target(32), strokes=20, size=32, steps=12, losses=[sometimes_nan])
    s = r.strokes
    for t in (s.points, s.widths, s.colors, s.opacity):
        assert torch.isfinite(t).all()
    assert len(s.meta["numerical_notices"]) == 2
    assert sum(1 for h in r.history if h != h) == 2  # the two NaN steps are recorded as such


def _bare(s: StrokeSet, h: int, w: int) -> torch.Tensor:
    """[H,W] where the background shows through the strokes by more than 10%."""
    import painter

    with torch.no_grad():
        a = painter.render(s, h, w, background=(0.0, 0.0, 0.0))
        b = painter.render(s, h, w, background=(1.0, 1.0, 1.0))
    return (b - a).amax(0) > 0.1


def test_ground_strokes_cover_every_pixel_at_odd_sizes():
    from painter.engine.place import ground_strokes

    g = torch.Generator().manual_seed(3)
    for h, w, n in ((37, 61, 40), (50, 17, 9), (23, 23, 1), (64, 96, 300)):
        target = torch.rand(3, h, w, generator=g)
        angles = torch.rand(h, w, generator=g) * 3.14
        strokes, width = ground_strokes(target, n, 3.0, angles, g)
        m = strokes["points"].shape[0]
        assert 1 <= m <= n
        s = max(h, w)
        ss = StrokeSet(strokes["points"] / s, strokes["widths"] / s, strokes["colors"], strokes["opacity"],
                       torch.zeros(m, dtype=torch.long), (w / s, h / s))
        assert not _bare(ss, h, w).any(), (h, w, n)


def test_opaque_styles_cover_the_canvas_paper_styles_show_their_paper():
    from painter.style.styles import load_style

    t = _target(64)
    for name in ("van_gogh", "pop_art"):
        r = paint(t, style=name, size=64, steps=20, notice=lambda m: None)
        assert float(_bare(r.strokes, 64, 64).float().mean()) <= 0.01, name
        assert (r.strokes.layer == 0).sum() > 0
    for name in ("watercolor", "sketch"):
        r = paint(t, style=name, size=64, steps=10, notice=lambda m: None)
        paper = load_style(name).background
        assert torch.allclose(torch.tensor(r.strokes.background), torch.tensor(paper))  # the paper, not the photo's mean
        assert float(_bare(r.strokes, 64, 64).float().mean()) > 0.03  # and it shows (opaque: <= 1%)


def test_large_layers_are_optimized_window_by_window_with_the_same_result(monkeypatch):
    """Above WINDOW_PIXELS a layer is drawn and backpropagated window by window
    (bounded memory); with pixel losses that is the same step as the whole canvas at
    once (the image-gradient term off: it leaves out pairs across window edges),
    blur margins included (seurat's losses see the pictures blurred)."""
    import importlib

    engine = importlib.import_module("painter.engine.run")
    t = _target(96)
    for style in ("none", "seurat"):
        kw = dict(style=style, strokes=120, size=96, steps=3, structure_weight=0.0, notice=lambda m: None)
        whole = paint(t, **kw)
        with monkeypatch.context() as m:
            m.setattr(engine, "WINDOW_PIXELS", 1000)
            m.setattr(engine, "WINDOW", 40)  # 3x3 windows, the last ones narrower
            windows = paint(t, **kw)
        assert torch.allclose(whole.strokes.points, windows.strokes.points, atol=1e-5), style
        assert torch.allclose(whole.image, windows.image, atol=1e-4), style
