"""Weight-free texture statistics: style without downloaded weights.

A fixed bank of random zero-mean filters (seeded, so every run and machine has the
same bank) looks at a picture at several scales (an image pyramid, each level half
the size of the last). At each level the rectified responses are summarised by
their means and their Gram matrix (the correlations between filters), which is
what a texture is made of in the sense of Gatys et al.; Ustyuzhaninov et al. (ICLR
2017) showed that such random banks synthesize textures nearly as well as VGG's
trained filters. :func:`texture_loss` compares a picture's statistics with a style
image's, differentiably, at about the cost of a pixel loss.

    bank = FilterBank(seed=0)                       # 5 levels x 32 filters of 7 x 7
    target = bank.statistics(style_image)           # [3,H,W] in [0, 1]
    loss = texture_loss(bank.statistics(image), target)

Statistics do not depend on the picture's size (means and Grams are averages over
pixels), so a painting and its style image may differ in size; what the filters
see does depend on scale, so both should be seen at a comparable resolution.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..image.imageops import conv2d, value

#: levels of the pyramid, filters per level, filter size
LEVELS, FILTERS, SIZE = 5, 32, 7
#: the finest levels, whose responses are sampled every other pixel (see FilterBank.responses)
SAMPLED_LEVELS = 2


@dataclass(frozen=True)
class Statistics:
    """Per pyramid level: the mean response of each filter [C] and the Gram matrix
    of the responses [C,C] (both averaged over pixels)."""
    means: tuple[torch.Tensor, ...]
    grams: tuple[torch.Tensor, ...]

    def detach(self) -> "Statistics":
        return Statistics(tuple(m.detach() for m in self.means), tuple(g.detach() for g in self.grams))


class FilterBank:
    """``levels`` x ``filters`` random zero-mean ``size`` x ``size`` RGB filters of
    unit norm, drawn from ``seed``."""

    def __init__(self, levels: int = LEVELS, filters: int = FILTERS, size: int = SIZE, seed: int = 0,
                 device: torch.device | str = "cpu"):
        gen = torch.Generator().manual_seed(seed)
        weights = []
        for _ in range(levels):
            w = torch.randn(filters, 3, size, size, generator=gen)
            w = w - w.mean(dim=(1, 2, 3), keepdim=True)  # blind to flat colour: texture only
            weights.append((w / w.flatten(1).norm(dim=1).view(-1, 1, 1, 1)).to(device))
        self.weights = tuple(weights)
        # the same filters for a gray picture (its three channels equal): summed over channels
        self.gray_weights = tuple(w.sum(1, keepdim=True) for w in weights)
        self.size = size

    def responses(self, image: torch.Tensor) -> list[torch.Tensor]:
        """The rectified responses [C, P_l] of each level to ``image`` [3,H,W]
        (or [1,H,W], a gray picture, seen as three equal channels):
        level ``l`` sees the picture halved ``l`` times (2x2 averages), while the
        picture stays at least twice the filters' size. The two finest levels keep
        every other response each way (their filters still see every pixel): the
        statistics are averages, so the sample estimates them at a quarter of the
        cost."""
        x = image[None]
        out = []
        for level, w in enumerate(self.gray_weights if len(image) == 1 else self.weights):
            if level:
                if min(x.shape[2:]) < 4 * self.size:  # too small for its filters: no more levels
                    break
                x = F.avg_pool2d(x, 2, ceil_mode=True)
            padded = F.pad(x, [self.size // 2] * 4, mode="reflect")
            out.append(F.relu(conv2d(padded, w.to(x), 2 if level < SAMPLED_LEVELS else 1))[0].flatten(1))
        return out

    def statistics(self, image: torch.Tensor, texture_only: bool = False) -> Statistics:
        """The texture statistics of ``image`` [3,H,W] in [0, 1] (differentiable).
        ``texture_only``: of its luma scaled to zero mean and unit deviation, so that
        neither its colours nor its contrast count (a measure of texture alone; as a
        loss, it moves the picture's values, not its hues: imageops.value)."""
        if texture_only:
            y = value(image)
            image = (y - y.mean()) / y.std().clamp_min(1e-6)
        means, grams = [], []
        for r in self.responses(image):
            # one product gives both: a row of ones makes the Gram's last row the means
            g = _Gram.apply(torch.cat([r, torch.ones_like(r[:1])]))
            means.append(g[-1, :-1])
            grams.append(g[:-1, :-1])
        return Statistics(tuple(means), tuple(grams))


class _Gram(torch.autograd.Function):
    """``a @ a.T / P`` of ``a`` [C,P], with its gradient as one product
    ``(g + g.T) / P @ a``: autograd's two products through a transposed operand took
    about 4 ms each where this takes 0.2 ms."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return (a @ a.t()) / a.shape[1]

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return ((grad + grad.t()) / a.shape[1]) @ a


def texture_loss(stats: Statistics, target: Statistics) -> torch.Tensor:
    """How far ``stats`` are from ``target``: per level, the squared difference of
    the Gram matrices over the target's squared norm, plus that of the means; the
    mean over levels (0 for the same texture; about 1 or more for an unrelated
    picture). Scale free, so its weight means the same for any style image."""
    terms = []
    for m, g, mt, gt in zip(stats.means, stats.grams, target.means, target.grams):
        terms.append(((g - gt) ** 2).sum() / (gt ** 2).sum().clamp_min(1e-12)
                     + ((m - mt) ** 2).sum() / (mt ** 2).sum().clamp_min(1e-12))
    return torch.stack(terms).mean()
