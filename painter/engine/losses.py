"""The loss terms a painting is optimized against: pixels and edges
(:func:`pixel_loss`), the pull of stroke colours to a palette
(:func:`palette_pull`), the weight-free texture loss toward a style image
(:func:`texture_term`) and content loss (:func:`ssim_loss`) and, where VGG19
weights can be had, the neural style and content losses on the rendered picture
(:func:`load_perceptual`, :func:`perceptual_term`)."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable

import torch

from ..image.color import hue_distance2, srgb_to_lab
from ..image.imageops import coherences, gaussian_blur, luminance, value
from ..image.io import resize_longer

#: longer side (pixels) at which the VGG losses look at the painting
PERCEPTUAL_SIZE = 224

#: brings the normalized VGG losses (about 1 at the start) to the scale of the pixel
#: losses (about 0.01), so the preset weights trade them off as written
PERCEPTUAL_SCALE = 0.01

#: longer side (pixels) at most at which the texture loss looks at the painting
TEXTURE_SIZE = 512

#: brings the texture loss (about 1 for unrelated textures) to the scale of the pixel losses
TEXTURE_SCALE = 0.01

#: the texture loss compares the edges' coherence at these scales (px), on both
#: pictures at most this longer side (a quarter of the cost at 512 px; a smaller
#: canvas, at the same shares of its size). Several scales, because a picture's
#: coherence is measured at its own brushwork's scale (painter.style.analyze.measure),
#: which the painting moves
COHERENCE_SIGMAS, COHERENCE_SIZE = (1.0, 2.0, 4.0), 256


def palette_pull(colors: torch.Tensor, palette: torch.Tensor) -> torch.Tensor:
    """Mean squared distance of each stroke colour ([N,3] sRGB) to its nearest
    palette colour ([K,3]), hue first (color.hue_distance2, over 100^2): a dark teal
    goes to the palette's blue, not to a dark green that is nearer in RGB."""
    return (hue_distance2(srgb_to_lab(colors), srgb_to_lab(palette)) / 1e4).min(1).values.mean()


def pixel_loss(img: torch.Tensor, target: torch.Tensor, structure_weight: float = 0.02,
               weight: torch.Tensor | None = None) -> torch.Tensor:
    """Mean squared error plus ``structure_weight`` x the L1 distance of the images'
    finite-difference gradients (edges where the photo has them); ``weight``
    ([1,H,W] in [0,1]) restricts both to a region."""
    diff = img - target if weight is None else (img - target) * weight
    loss = (diff * diff).mean()
    if structure_weight:
        gx = (diff[:, :, 1:] - diff[:, :, :-1]).abs().mean()
        gy = (diff[:, 1:, :] - diff[:, :-1, :]).abs().mean()
        loss = loss + structure_weight * (gx + gy)
    return loss


#: the Gaussian window of the SSIM content loss (px)
SSIM_SIGMA = 1.5


def ssim_loss(img: torch.Tensor, target: torch.Tensor, sigma: float = SSIM_SIGMA,
              weight: torch.Tensor | None = None, grey: bool = False) -> torch.Tensor:
    """1 - the mean SSIM of the lumas of ``img`` and ``target`` ([3,H,W] in [0, 1],
    Gaussian windows of ``sigma`` px): a content loss that needs no weights. It
    asks for the photo's local structure (edges, features, their contrast) and
    leaves colour alone, so a strong texture keeps faces and shapes readable.
    ``weight`` ([1,H,W] in [0,1]) restricts it to a region.

    ``grey``: its gradient moves values along grey (imageops.value), as the texture
    terms' does, where those run: against their grey pushes, luma's own gradient
    (green first) lost, and rocket in the Wave's style fell to SSIM 0.48 (0.55 on
    grey). Otherwise it is luma's own: pointillist dots pushed darker along grey
    alone stayed on their light palette colours under seurat's snap, and the
    astronaut's face went unseen by the face detector."""
    luma = value if grey else luminance
    x, y = luma(img), luminance(target)
    mx, my, xx, yy, xy = gaussian_blur(torch.cat([x, y, x * x, y * y, x * y]), sigma)  # one blur for all five
    vx, vy, cxy = xx - mx * mx, yy - my * my, xy - mx * my
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    ssim = (2 * mx * my + c1) * (2 * cxy + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return (1 - ssim).mean() if weight is None else ((1 - ssim) * weight).mean()


#: what a painting says, once, when its style wants VGG19 weights and none are found
NO_WEIGHTS_NOTE = "painter: no VGG19 weights; painting without the neural style loss (painter weights fetch)"


@dataclass(frozen=True)
class Terms:
    """A style's losses, resolved once for a run: the weights of the pixel and SSIM
    terms, the blur they see the picture through (optical mixing, px at 256), and the
    neural and texture terms as functions of the rendered picture (None: unused)."""
    pixel: float
    ssim: float
    blur: float
    perceptual: Callable[[torch.Tensor], torch.Tensor] | None
    texture: Callable[[torch.Tensor], torch.Tensor] | None


def loss_terms(style, target: torch.Tensor, dev, vgg, *, style_weight, content_weight, preserve_color: bool,
               style_scale: float, log: list[float]) -> Terms:
    """``style``'s loss terms for painting ``target`` (the photo at the working size):
    the VGG term with ``vgg`` (from :func:`load_perceptual`; its style losses are
    appended to ``log``), the texture term, and the pixel terms' weights."""
    perceptual = perceptual_term(vgg, style, target, dev, style_weight, content_weight, preserve_color,
                                 style_scale, log)
    return Terms(style.pixel_weight, style.ssim_weight, style.blur, perceptual,
                 texture_term(style, dev, style_scale))


def load_perceptual(style, style_weight, content_weight, weights, dev, notice):
    """The VGG19 for ``style``'s neural losses, or None when their weights are zero or
    no VGG weights are found (then ``notice`` says so in :data:`NO_WEIGHTS_NOTE`).
    Nothing is ever downloaded here."""
    ws, wc = _vgg_weights(style, style_weight, content_weight)
    if ws <= 0 and wc <= 0:
        return None
    from ..style.perceptual import WeightsFileError, WeightsUnavailable, load_vgg

    try:
        return load_vgg(weights, device=dev)
    except WeightsFileError:
        raise  # a weights file was named but is unusable: that is the user's error to fix
    except WeightsUnavailable:
        (notice or _stderr)(NO_WEIGHTS_NOTE)
        return None


def perceptual_term(vgg, style, target: torch.Tensor, dev, style_weight, content_weight, preserve_color: bool,
                    style_scale: float, log: list[float]) -> Callable[[torch.Tensor], torch.Tensor] | None:
    """The VGG loss term for ``style`` as a function of the rendered image (None
    without ``vgg``: see :func:`load_perceptual`). Each call appends the style loss
    to ``log``."""
    if vgg is None:
        return None
    from ..style.perceptual import PerceptualLoss

    ws, wc = _vgg_weights(style, style_weight, content_weight)
    style_img = style.exemplar().to(dev)
    content = resize_longer(target, PERCEPTUAL_SIZE)
    if preserve_color:  # texture only: compare luminance
        style_img, content = _gray(style_img), _gray(content)
    loss_fn = PerceptualLoss(vgg, style_image=style_img, content_image=content, style_scale=style_scale)

    def term(img: torch.Tensor) -> torch.Tensor:
        x = resize_longer(img, PERCEPTUAL_SIZE)
        if preserve_color:
            x = _gray(x)
        s_loss, c_loss = loss_fn(x)
        log.append(float(s_loss.detach()))
        return PERCEPTUAL_SCALE * (ws * s_loss + wc * c_loss)

    return term


def texture_term(style, dev, style_scale: float = 1.0) -> Callable[[torch.Tensor], torch.Tensor] | None:
    """The weight-free texture loss toward ``style``'s image as a function of the
    rendered image, or None when the style's ``texture_weight`` and
    ``coherence_weight`` are 0: the random filter bank's statistics
    (painter.style.texture, of the standardized luma: the palette is the colour
    transfer's job, the contrast the photo's) and the mean squared difference of
    the edges' coherence (:func:`painter.image.imageops.coherences` at
    :data:`COHERENCE_SIGMAS` px and at most :data:`COHERENCE_SIZE`: how strongly the
    brushwork runs one way). The
    rendered picture is seen at its size (at most :data:`TEXTURE_SIZE`), the style
    image at ``style_scale`` times that, so that the painting's brushwork keeps its
    size relative to the canvas (``style_scale`` 2: twice as large)."""
    if style.texture_weight <= 0 and style.coherence_weight <= 0:
        return None
    from ..style.texture import FilterBank, texture_loss

    bank = FilterBank(device=dev)
    painting = style.exemplar().to(dev)
    targets: dict[int, object] = {}

    def term(img: torch.Tensor) -> torch.Tensor:
        size = min(max(img.shape[1:]), TEXTURE_SIZE)
        small = min(size, COHERENCE_SIZE)
        sigmas = tuple(s * small / COHERENCE_SIZE for s in COHERENCE_SIGMAS)  # the same share of the canvas
        if size not in targets:
            with torch.no_grad():
                seen = resize_longer(painting, max(4 * bank.size, round(size * style_scale)))
                edges = resize_longer(painting, max(16, round(small * style_scale)))
                targets[size] = (bank.statistics(seen, texture_only=True), coherences(edges, sigmas))
        stats, coh = targets[size]
        x = resize_longer(img, size)
        loss = torch.zeros((), device=img.device)
        if style.texture_weight > 0:
            loss = TEXTURE_SCALE * style.texture_weight * texture_loss(bank.statistics(x, texture_only=True), stats)
        if style.coherence_weight > 0:
            edges = coherences(resize_longer(value(x), small), sigmas)  # values, not hues
            loss = loss + style.coherence_weight * ((edges - coh) ** 2).mean()
        return loss

    return term


def _vgg_weights(style, style_weight, content_weight) -> tuple[float, float]:
    """The style and content loss weights: those given, else the style's."""
    return (style.style_weight if style_weight is None else style_weight,
            style.content_weight if content_weight is None else content_weight)


def _gray(img: torch.Tensor) -> torch.Tensor:
    """``img`` as grey (--preserve-color's VGG losses see luma only, and move values, not hues)."""
    return value(img).expand(3, -1, -1)


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)
