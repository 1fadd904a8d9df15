"""VGG19 features, Gram/content losses and the weight-loading seam (never the network)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from painter.style import perceptual as P

SHAPES = {  # layer -> (channels, downscale) for a 64x64 input
    "conv1_1": (64, 1), "conv2_1": (128, 2), "conv3_1": (256, 4),
    "conv4_1": (512, 8), "conv4_2": (512, 8), "conv5_1": (512, 16),
}


@pytest.fixture(scope="module")
def weights_file(tmp_path_factory) -> Path:
    """A random VGG19 (features up to conv5_1, ~52 MB) saved once for this module."""
    p = tmp_path_factory.mktemp("vgg") / "random-vgg19.pth"
    torch.save(P.random_vgg_state_dict(seed=0), p)
    return p


@pytest.fixture(scope="module")
def vgg(weights_file) -> P.VGGFeatures:
    return P.load_vgg(weights_file)


def image(seed: int, size: int = 64) -> torch.Tensor:
    """A smooth-ish random test image [3,size,size] in [0,1]."""
    g = torch.Generator().manual_seed(seed)
    low = torch.rand(1, 3, size // 8, size // 8, generator=g)
    up = torch.nn.functional.interpolate(low, size=(size, size), mode="bilinear", align_corners=False)[0]
    return (0.7 * up + 0.3 * torch.rand(3, size, size, generator=g)).clamp(0, 1)


# ----------------------------------------------------------------------------- gram


def test_gram_matches_formula():
    f = torch.randn(2, 5, 4, 3, dtype=torch.float64)
    expected = torch.stack([
        torch.stack([torch.stack([(f[b, i] * f[b, j]).sum() for j in range(5)]) for i in range(5)])
        for b in range(2)
    ]) / (5 * 4 * 3)
    torch.testing.assert_close(P.gram(f), expected)
    torch.testing.assert_close(P.gram(f[1]), expected[1])  # unbatched [C,H,W] -> [C,C]


def test_gram_loss_is_scale_free():
    g = P.gram(torch.rand(1, 8, 6, 6))
    t = P.gram(torch.rand(1, 8, 6, 6))
    assert float(P.gram_loss(g, g)) == 0.0
    torch.testing.assert_close(P.gram_loss(100 * g, 100 * t), P.gram_loss(g, t))
    torch.testing.assert_close(P.gram_loss(torch.zeros_like(t), t), torch.tensor(1.0))


# ----------------------------------------------------------------------------- features


def _check_features(vgg: P.VGGFeatures):
    assert not vgg.training
    assert all(not p.requires_grad for p in vgg.parameters())
    feats = vgg(image(1))
    assert list(feats) == list(P.LAYERS)
    for name, (c, s) in SHAPES.items():
        assert tuple(feats[name].shape) == (c, 64 // s, 64 // s), name
        assert torch.isfinite(feats[name]).all() and feats[name].abs().sum() > 0, name
    batched = vgg(image(1)[None].repeat(2, 1, 1, 1), ["conv3_1"])
    assert list(batched) == ["conv3_1"] and tuple(batched["conv3_1"].shape) == (2, 256, 16, 16)
    torch.testing.assert_close(batched["conv3_1"][1], feats["conv3_1"], rtol=1e-4, atol=1e-5)


def test_features_from_weights_argument(weights_file, monkeypatch):
    monkeypatch.delenv(P.ENV_VAR, raising=False)
    _check_features(P.load_vgg(weights_file))


def test_features_from_env_var(weights_file, monkeypatch):
    monkeypatch.setenv(P.ENV_VAR, str(weights_file))
    vgg = P.load_vgg()
    _check_features(vgg)
    ref = P.random_vgg_state_dict(seed=0)
    torch.testing.assert_close(vgg.features[28].weight, ref["features.28.weight"])


def test_full_torchvision_state_dict_accepted(tmp_path):
    """torchvision's file has classifier.* keys too (faked tiny here) and may use the
    legacy (non-zip) serialization: both load, and only features[0..29] is kept."""
    sd = dict(P.random_vgg_state_dict(seed=3))
    sd["features.30.weight"] = torch.zeros(512, 512, 3, 3)
    sd["classifier.0.weight"] = torch.zeros(4, 4)
    sd["classifier.0.bias"] = torch.zeros(4)
    p = tmp_path / "full.pth"
    torch.save(sd, p, _use_new_zipfile_serialization=False)
    vgg = P.load_vgg(p)
    assert len(vgg.features) == 30
    assert set(vgg.state_dict()) == set(P.random_vgg_state_dict())
    torch.testing.assert_close(vgg.features[0].weight, sd["features.0.weight"])


def test_layers_argument_stops_early(vgg, monkeypatch):
    ran = []
    for i in (11, 12, 29):
        monkeypatch.setattr(vgg.features[i], "forward", lambda x, i=i: ran.append(i) or torch.relu(x))
    out = vgg(image(2), ["conv1_1", "conv3_1"])
    assert list(out) == ["conv1_1", "conv3_1"]
    assert ran == [11]  # nothing after the ReLU of conv3_1 ran
    with pytest.raises(ValueError, match="unknown VGG layer"):
        vgg(image(2), ["conv9_9"])


# ----------------------------------------------------------------------------- losses


def test_losses_zero_against_self(vgg):
    img = image(4)
    loss = P.PerceptualLoss(vgg, style_image=img, content_image=img, size=64)
    s, c = loss(img)
    assert s.shape == () and c.shape == ()
    assert float(s) < 1e-6 and float(c) < 1e-6
    s2, c2 = loss(image(5))
    assert float(s2) > 1e-3 and float(c2) > 1e-3
    s_only, c_none = P.PerceptualLoss(vgg, style_image=img)(img)
    assert float(s_only) < 1e-6 and float(c_none) == 0.0


def test_style_targets_finite_and_nonzero(vgg):
    grams, content = P.PerceptualLoss(vgg, style_image=image(6, 96)).targets(64, 48)
    assert list(grams) == list(P.STYLE_LAYERS) and content is None
    for name, g in grams.items():
        assert torch.isfinite(g).all() and g.norm() > 0, name


def test_style_scale_resizes_style_image(vgg, monkeypatch):
    seen = []
    real = vgg.forward
    monkeypatch.setattr(vgg, "forward", lambda x, layers=None: seen.append(tuple(x.shape[-2:])) or real(x, layers))
    P.PerceptualLoss(vgg, style_image=image(7, 96)[:, :, :48], style_scale=0.5, size=(64, 80))
    assert seen == [(40, 20)]  # 96x48 (HxW) style, longer side 0.5 * 80


def test_adam_lowers_style_loss(vgg):
    loss = P.PerceptualLoss(vgg, style_image=image(8), size=64)
    x = image(9).clone().requires_grad_()
    opt = torch.optim.Adam([x], lr=0.03)
    losses = []
    for _ in range(6):
        s, _ = loss(x)
        losses.append(s.item())
        opt.zero_grad()
        s.backward()
        opt.step()
    assert losses[-1] < 0.7 * losses[0], losses


def test_content_loss_gradient_reaches_image(vgg):
    loss = P.PerceptualLoss(vgg, content_image=image(10), size=64)
    x = image(11).clone().requires_grad_()
    s, c = loss(x)
    c.backward()
    assert float(s) == 0.0 and x.grad is not None and x.grad.abs().sum() > 0


# ----------------------------------------------------------------------------- weights seam


def test_offline_without_weights_raises_one_line(offline, capfd):
    with pytest.raises(P.WeightsUnavailable) as e:
        P.load_vgg()
    assert capfd.readouterr() == ("", "")  # the message is the exception's one line, nothing else
    msg = str(e.value)
    assert "\n" not in msg
    assert P.ENV_VAR in msg and "--weights" in msg and "painter weights fetch" in msg
    assert "VGG19" in msg
    assert str(P.hub_weights_path().parent) in msg
    assert not offline, "load_vgg tried a download without being asked"
    assert not P.hub_weights_path().exists()


def test_load_vgg_downloads_only_when_asked(offline, monkeypatch, weights_file):
    """Nothing is fetched by default; ``download=True`` fetches (through
    painter.style.weights.fetch_weights, here a stand-in) into the hub cache, which the next
    call finds without asking again."""
    fetched = []

    def fetch(url, progress=False):
        fetched.append((url, progress))
        hub = P.hub_weights_path()
        hub.parent.mkdir(parents=True, exist_ok=True)
        hub.symlink_to(weights_file)
        return hub

    monkeypatch.setattr(P, "fetch_weights", fetch)
    with pytest.raises(P.WeightsUnavailable):
        P.load_vgg()
    assert fetched == []
    _check_features(P.load_vgg(download=True, progress=True))
    assert fetched == [(P.WEIGHTS_URL, True)]
    _check_features(P.load_vgg(download=True))  # found in the cache: not fetched again
    assert len(fetched) == 1 and not offline


def test_an_asked_for_download_that_fails_is_one_line(offline):
    with pytest.raises(P.WeightsUnavailable, match="download failed") as e:
        P.load_vgg(download=True)
    assert len(offline) == 1  # it was tried, through painter.style.weights.fetch_weights
    assert "\n" not in str(e.value) and P.WEIGHTS_URL in str(e.value)
    assert not P.hub_weights_path().parent.exists() or not any(P.hub_weights_path().parent.iterdir())


def test_hub_cache_is_used_without_network(offline, weights_file):
    hub = P.hub_weights_path()
    from torchvision.models import VGG19_Weights

    assert P.WEIGHTS_URL == VGG19_Weights.IMAGENET1K_V1.url  # `painter weights fetch` gets torchvision's own
    assert hub.name == "vgg19-dcbb9e9d.pth"
    assert hub.is_relative_to(Path(os.environ["TORCH_HOME"]))
    hub.parent.mkdir(parents=True)
    hub.symlink_to(weights_file)
    _check_features(P.load_vgg())
    assert not offline  # the network was never touched


@pytest.mark.parametrize("content", [b"", b"not a torch file at all", b"PK\x03\x04truncated zip"])
def test_corrupt_file_one_line_error(tmp_path, content):
    p = tmp_path / "vgg19-broken.pth"
    p.write_bytes(content)
    with pytest.raises(P.WeightsFileError) as e:
        P.load_vgg(p)
    msg = str(e.value)
    assert "\n" not in msg and str(p) in msg
    assert isinstance(e.value, ValueError) and isinstance(e.value, P.WeightsUnavailable)


def test_wrong_state_dicts_one_line_error(tmp_path, monkeypatch):
    sd = P.random_vgg_state_dict()
    cases = {
        "missing": {k: v for k, v in sd.items() if k != "features.28.weight"},
        "shape": {**sd, "features.0.weight": torch.zeros(64, 1, 3, 3)},
        "nan": {**sd, "features.0.bias": torch.full((64,), float("nan"))},
        "list": [1, 2, 3],
    }
    for name, obj in cases.items():
        p = tmp_path / f"{name}.pth"
        torch.save(obj, p)
        with pytest.raises(P.WeightsFileError) as e:
            P.load_vgg(p)
        assert "\n" not in str(e.value) and str(p) in str(e.value), name
    monkeypatch.setenv(P.ENV_VAR, str(tmp_path / "nowhere.pth"))
    with pytest.raises(P.WeightsFileError, match=r"nowhere\.pth.*no such"):
        P.load_vgg()
