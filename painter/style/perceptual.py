"""VGG19 features and the perceptual losses built on them (content and Gram style).

Kornia style: plain functions on tensors (``gram``, ``gram_loss``, ``content_loss``),
modules only where state is needed (``VGGFeatures`` holds the network,
``PerceptualLoss`` the targets).

Weights are torchvision's ``vgg19`` ImageNet weights (``VGG19_Weights.IMAGENET1K_V1``);
only the layers up to conv5_1 (``features[0..29]``, about 50 MB of the 550 MB file) are
built and kept. ``load_vgg`` looks for them, in order, in

1. the ``weights`` argument (``--weights FILE`` on the command line),
2. the environment variable ``PAINTER_VGG_WEIGHTS``,
3. the torch hub cache, the very file torchvision uses:
   ``<torch.hub.get_dir()>/checkpoints/vgg19-dcbb9e9d.pth`` (``TORCH_HOME`` moves it)

(``painter.style.weights.find_weights``). Nothing is downloaded unless asked for:
``painter weights fetch`` (``painter.style.weights.fetch_weights``, SHA-256 checked) puts
the file in that cache, and so does ``load_vgg(download=True)``.

A file named by 1 or 2 must exist and be valid: a missing or broken file is an error
naming it (``WeightsFileError``), never a silent fall-through to the next route. When
no route gives weights, ``WeightsUnavailable`` says so in one line and how to fix it;
callers catch it and paint without the neural losses.

A weights file is a ``torch.save``-d state dict: torchvision's full ``vgg19`` dict
(``features.N.weight/bias`` and ``classifier.*``) or a features-only dict with the
same ``features.N.*`` keys (bare ``N.*`` keys are accepted too). Tests and benchmarks
inject a random network through the same seam: ``torch.save(random_vgg_state_dict(),
path)`` and ``load_vgg(path)``.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..image.io import _one_line, resize_longer
from .weights import ENV_VAR, WEIGHTS_URL, WeightsUnavailable, fetch_weights, find_weights, hub_weights_path

__all__ = [
    "CONTENT_LAYER",
    "ENV_VAR",
    "LAYERS",
    "STYLE_LAYERS",
    "PerceptualLoss",
    "VGGFeatures",
    "WeightsFileError",
    "WeightsUnavailable",
    "content_loss",
    "gram",
    "gram_loss",
    "hub_weights_path",
    "load_vgg",
    "random_vgg_state_dict",
    "style_loss",
]

#: output name -> index in torchvision's ``vgg19().features`` of the ReLU after that conv
LAYERS: dict[str, int] = {
    "conv1_1": 1,
    "conv2_1": 6,
    "conv3_1": 11,
    "conv4_1": 20,
    "conv4_2": 22,
    "conv5_1": 29,
}
STYLE_LAYERS: tuple[str, ...] = ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1")
CONTENT_LAYER = "conv4_2"

_N_MODULES = 30  # features[0..29]: up to and including the ReLU after conv5_1
_MEAN = (0.485, 0.456, 0.406)
_STD = (0.229, 0.224, 0.225)


class WeightsFileError(WeightsUnavailable, ValueError):
    """A weights file that was named or found is missing, unreadable or not VGG19's.

    The message is one line and starts with the file's path. It is both a
    ``WeightsUnavailable`` (so "paint without the neural losses" catches it) and a
    ``ValueError`` (so a front end can call it bad input).
    """


# ----------------------------------------------------------------------------- network


def _vgg19_layers() -> nn.Sequential:
    """``vgg19().features[:30]`` with torchvision's module indices, on the meta device
    (shapes only, no memory, no slow default initialisation): fill it with
    ``load_state_dict(..., assign=True)``."""
    with torch.device("meta"):
        try:  # the features alone: no 120M-parameter classifier built on the way
            from torchvision.models.vgg import cfgs, make_layers

            seq = make_layers(cfgs["E"], batch_norm=False)
        except (ImportError, KeyError, TypeError):  # pragma: no cover - older/newer torchvision
            from torchvision.models import vgg19

            seq = vgg19(weights=None).features
    return seq[:_N_MODULES]


class VGGFeatures(nn.Module):
    """VGG19 up to conv5_1, returning post-ReLU activations by layer name.

    ``forward(img, layers=None)``: ``img`` is [3,H,W] or [B,3,H,W], RGB in [0,1]; the
    module applies torchvision's ImageNet normalization itself. Returns a dict name ->
    feature map for every name in ``layers`` (default: all of ``LAYERS``, i.e. conv1_1,
    conv2_1, conv3_1, conv4_1, conv5_1 and conv4_2). Maps are [B,C,H/s,W/s] (or
    [C,H/s,W/s] for an unbatched input) with C = 64, 128, 256, 512, 512, 512 and
    s = 1, 2, 4, 8, 16, 8 for those layers (sizes floored at each pooling). Layers past
    the deepest one asked for are not run.

    Parameters never require grad; gradients flow to the input image.
    """

    def __init__(self, features: nn.Sequential | None = None):
        super().__init__()
        if features is None:  # random weights, as random_vgg_state_dict(0)
            features = _vgg19_layers()
            features.load_state_dict(_strip(random_vgg_state_dict(0)), strict=True, assign=True)
        self.features = features
        for m in self.features.modules():
            if isinstance(m, nn.ReLU):
                m.inplace = True  # the captured maps are read, never written, after their ReLU
        self.register_buffer("mean", torch.tensor(_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(_STD).view(1, 3, 1, 1), persistent=False)
        self.requires_grad_(False)
        self.eval()

    def forward(self, img: torch.Tensor, layers: Iterable[str] | None = None) -> dict[str, torch.Tensor]:
        names = list(LAYERS) if layers is None else list(layers)
        unknown = [n for n in names if n not in LAYERS]
        if unknown:
            raise ValueError(f"unknown VGG layer(s) {unknown}; choose from {list(LAYERS)}")
        if img.dim() not in (3, 4) or img.shape[-3] != 3:
            raise ValueError(f"expected an image [3,H,W] or [B,3,H,W], got shape {tuple(img.shape)}")
        batched = img.dim() == 4
        x = (img if batched else img[None]).to(self.mean.dtype)
        x = (x - self.mean) / self.std
        want = {LAYERS[n]: n for n in names}
        out: dict[str, torch.Tensor] = {}
        last = max(want, default=-1)
        for i, layer in enumerate(self.features):
            if i > last:
                break
            x = layer(x)
            if i in want:
                out[want[i]] = x if batched else x[0]
        return {n: out[n] for n in names}


def random_vgg_state_dict(seed: int = 0) -> dict[str, torch.Tensor]:
    """State dict (``features.N.weight/bias`` for N in 0..28) of a random VGG19.

    Same keys and shapes as the slice of torchvision's weights that ``load_vgg`` uses,
    initialised like torchvision's ``vgg19(weights=None)`` (Kaiming normal, fan-out,
    zero biases), which keeps activation scales sane through all five blocks. The
    global RNG is left untouched. For tests and benchmarks: ``torch.save`` it and pass
    the file to ``load_vgg``.
    """
    g = torch.Generator().manual_seed(seed)
    sd = {}
    for i, m in enumerate(_vgg19_layers()):
        if isinstance(m, nn.Conv2d):
            fan_out = m.out_channels * m.kernel_size[0] * m.kernel_size[1]
            std = (2.0 / fan_out) ** 0.5
            sd[f"features.{i}.weight"] = torch.randn(m.weight.shape, generator=g) * std
            sd[f"features.{i}.bias"] = torch.zeros(m.out_channels)
    return sd


# ----------------------------------------------------------------------------- weights


def _fix_hint() -> str:
    return (f"`painter weights fetch` downloads them (548 MB, once) into {hub_weights_path().parent}; "
            f"or set {ENV_VAR}=FILE or pass --weights FILE")


def _read_file(path: Path) -> Mapping:
    if not path.is_file():
        raise WeightsFileError(f"{path}: no such VGG19 weights file")
    try:
        try:  # zip-format files: map the file, read only the tensors we keep
            obj = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
        except RuntimeError as e:
            if "mmap" not in str(e):
                raise
            obj = torch.load(path, map_location="cpu", weights_only=True)  # legacy format
    except Exception as e:  # noqa: BLE001 - any unreadable file becomes one clear line
        raise WeightsFileError(f"{path}: not a readable VGG19 weights file ({_one_line(e)[:200]})") from None
    return obj


def _features_state(obj: object, source: str) -> dict[str, torch.Tensor]:
    """The ``N.weight/bias`` entries of features[0..29] from a loaded state dict."""
    if isinstance(obj, Mapping) and "state_dict" in obj and isinstance(obj["state_dict"], Mapping):
        obj = obj["state_dict"]
    if not isinstance(obj, Mapping):
        raise WeightsFileError(f"{source}: not a VGG19 state dict (got {type(obj).__name__})")
    pat = re.compile(r"^(?:features\.)?(\d+)\.(weight|bias)$")
    expected = _vgg19_layers().state_dict()
    state = {}
    for key, value in obj.items():
        m = pat.match(str(key))
        if m and f"{m[1]}.{m[2]}" in expected and torch.is_tensor(value):
            state[f"{m[1]}.{m[2]}"] = value
    missing = [k for k in expected if k not in state]
    if missing:
        shown = ", ".join(f"features.{k}" for k in missing[:3]) + (" ..." if len(missing) > 3 else "")
        raise WeightsFileError(f"{source}: not VGG19 weights (missing {len(missing)} needed keys: {shown})")
    for k, ref in expected.items():
        v = state[k]
        if tuple(v.shape) != tuple(ref.shape):
            raise WeightsFileError(f"{source}: not VGG19 weights (features.{k} has shape {tuple(v.shape)}, "
                                   f"expected {tuple(ref.shape)})")
        if not v.is_floating_point() or not bool(torch.isfinite(v).all()):
            raise WeightsFileError(f"{source}: features.{k} holds non-finite or non-float values")
    return state


def _strip(sd: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k.removeprefix("features."): v for k, v in sd.items()}


def _from_state(state: dict[str, torch.Tensor], device) -> VGGFeatures:
    # fresh tensors: nothing of a memory-mapped or full 550 MB state dict stays referenced
    own = {k: v.to(device=device, dtype=torch.float32, copy=True) for k, v in state.items()}
    layers = _vgg19_layers()
    layers.load_state_dict(own, strict=True, assign=True)
    return VGGFeatures(layers).to(device)


def load_vgg(weights: str | os.PathLike | None = None, device: str | torch.device = "cpu", *,
             download: bool = False, progress: bool = False) -> VGGFeatures:
    """VGG19 features with ImageNet weights, frozen, in eval mode, on ``device``.

    Looks in ``weights``, then ``$PAINTER_VGG_WEIGHTS``, then the torch hub cache (see
    the module docstring). Only with ``download`` (never the default), and only when
    none is found, the weights are fetched into that cache first
    (``painter.style.weights.fetch_weights``; ``progress`` shows it on stderr).

    Raises ``WeightsFileError`` (one line naming the file) for a missing, unreadable or
    wrong file from the three places, and ``WeightsUnavailable`` (one line, with how to
    fix it) when there are no weights at all or the asked-for download failed.
    """
    found = find_weights(weights)
    if found is None and download:
        found = fetch_weights(WEIGHTS_URL, progress=progress), "downloaded"
    if found is None:
        raise WeightsUnavailable(f"VGG19 weights not found; {_fix_hint()}")
    path, how = found
    state = _features_state(_read_file(path), f"{path} ({how})")
    return _from_state(state, device)


# ----------------------------------------------------------------------------- losses


def gram(feat: torch.Tensor) -> torch.Tensor:
    """Gram matrix ``F F^T / (C*H*W)`` of feature maps.

    ``feat`` [B,C,H,W] -> [B,C,C], or [C,H,W] -> [C,C], with F the maps flattened to
    [C, H*W].
    """
    if feat.dim() not in (3, 4):
        raise ValueError(f"expected [C,H,W] or [B,C,H,W] features, got shape {tuple(feat.shape)}")
    c, h, w = feat.shape[-3:]
    f = feat.reshape(*feat.shape[:-3], c, h * w)
    return f @ f.transpose(-1, -2) / (c * h * w)


def gram_loss(g: torch.Tensor, g_target: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    """``||G - G_t||_F^2 / ||G_t||_F^2`` per matrix, averaged over the batch.

    ``g`` [B,C,C] or [C,C]; ``g_target`` broadcastable to it (e.g. [1,C,C]). Scale free:
    the same weight means the same thing for any network weights or layer. Returns a
    scalar tensor.
    """
    num = (g - g_target).pow(2).sum((-2, -1))
    den = g_target.pow(2).sum((-2, -1)).clamp_min(eps)
    return (num / den).mean()


def content_loss(feat: torch.Tensor, target: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    """``mean((F - F_t)^2) / mean(F_t^2)``: feature maps of equal shape -> scalar tensor."""
    return (feat - target).pow(2).mean() / target.pow(2).mean().clamp_min(eps)


def style_loss(feats: Mapping[str, torch.Tensor], target_grams: Mapping[str, torch.Tensor]) -> torch.Tensor:
    """Mean over the layers of ``target_grams`` of ``gram_loss(gram(feats[l]), target_grams[l])``."""
    losses = [gram_loss(gram(feats[n]), t) for n, t in target_grams.items()]
    return torch.stack(losses).mean()


def _resize_to(img: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """[3,H,W] -> [3,h,w], antialiased bilinear."""
    if tuple(img.shape[-2:]) == (h, w):
        return img
    out = F.interpolate(img[None], size=(h, w), mode="bilinear", align_corners=False, antialias=True)
    return out[0].clamp(0, 1)


class PerceptualLoss(nn.Module):
    """Style (Gram) and content losses of rendered images against fixed targets.

    Args:
        vgg: a ``VGGFeatures`` (from ``load_vgg``).
        style_image: [3,Hs,Ws] in [0,1], or None for no style loss.
        content_image: [3,Hc,Wc] in [0,1], or None for no content loss; resized to the
            canvas size.
        style_layers: names from ``STYLE_LAYERS`` whose Gram matrices are matched.
        content_layer: the layer whose maps are matched (default conv4_2).
        style_scale: the style image is resized so that its longer side is
            ``style_scale`` times the canvas's longer side (aspect kept, at least 16
            px so that conv5_1 has a pixel), which fixes
            the brush-texture scale relative to the painting.
        size: canvas (H, W) or one int for a square canvas; targets for it are computed
            here, at construction. Targets for any other canvas size are computed at the
            first call at that size and cached (the painter renders coarse layers at
            half size).

    ``loss(img) -> (style_loss, content_loss)``: ``img`` [3,H,W] or [B,3,H,W] in
    [0,1]; both are scalar tensors (zero when the corresponding image is None),
    differentiable w.r.t. ``img``. Both are normalized by their targets (see
    ``gram_loss`` and ``content_loss``), so they are ~0 for a perfect match and ~1 for
    a blank image, whatever the VGG weights.
    """

    def __init__(self, vgg: VGGFeatures, style_image: torch.Tensor | None = None,
                 content_image: torch.Tensor | None = None, style_layers: Sequence[str] = STYLE_LAYERS,
                 content_layer: str = CONTENT_LAYER, style_scale: float = 1.0,
                 size: int | tuple[int, int] | None = None):
        super().__init__()
        bad = [n for n in [*style_layers, content_layer] if n not in LAYERS]
        if bad:
            raise ValueError(f"unknown VGG layer(s) {bad}; choose from {list(LAYERS)}")
        if style_scale <= 0:
            raise ValueError(f"style_scale must be > 0, got {style_scale}")
        self.vgg = vgg
        self.style_layers = tuple(style_layers)
        self.content_layer = content_layer
        self.style_scale = float(style_scale)
        self.style_image = None if style_image is None else style_image.detach()
        self.content_image = None if content_image is None else content_image.detach()
        self._targets: dict[tuple[int, int], tuple[dict[str, torch.Tensor], torch.Tensor | None]] = {}
        if size is not None:
            self.targets(*((size, size) if isinstance(size, int) else size))

    @torch.no_grad()
    def targets(self, h: int, w: int) -> tuple[dict[str, torch.Tensor], torch.Tensor | None]:
        """(Gram targets per style layer [1,C,C], content features [1,C,h',w'] or None)
        for an h x w canvas; computed once per size."""
        key = (int(h), int(w))
        if key not in self._targets:
            dev = self.vgg.mean.device
            grams: dict[str, torch.Tensor] = {}
            if self.style_image is not None and self.style_layers:
                side = max(16, round(self.style_scale * max(key)))
                style = resize_longer(self.style_image.to(dev, torch.float32), side)
                feats = self.vgg(style[None], self.style_layers)
                grams = {n: gram(f) for n, f in feats.items()}
            content = None
            if self.content_image is not None:
                img = _resize_to(self.content_image.to(dev, torch.float32), *key)
                content = self.vgg(img[None], [self.content_layer])[self.content_layer]
            self._targets[key] = (grams, content)
        return self._targets[key]

    def forward(self, img: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = img if img.dim() == 4 else img[None]
        grams, content = self.targets(*x.shape[-2:])
        layers = list(grams) + ([self.content_layer] if content is not None else [])
        zero = x.new_zeros(())
        if not layers:
            return zero, zero
        feats = self.vgg(x, dict.fromkeys(layers))  # ordered, deduplicated
        s = style_loss(feats, grams) if grams else zero
        c = content_loss(feats[self.content_layer], content) if content is not None else zero
        return s, c
