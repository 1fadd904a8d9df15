"""Small differentiable image operations on [C,H,W] tensors (kornia style: plain
functions, shapes in the docstrings)."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F


class _Conv2d(torch.autograd.Function):
    """``F.conv2d`` without bias with a fast input gradient. PyTorch's CPU backward of
    a strided convolution is about 8x slower than a transposed convolution (26 ms
    against 3 ms for 32 filters on 256 x 256), and that, for few input channels,
    about 2.5x slower than one product and a fold (col2im), which this uses where the
    product's columns stay under :data:`FOLD_ELEMENTS`. The input's last rows and
    columns that no output saw get zeros."""

    @staticmethod
    def forward(ctx, x, weight, stride):
        ctx.save_for_backward(weight)
        ctx.stride, ctx.size = stride, x.shape[2:]
        return F.conv2d(x, weight, stride=stride)

    @staticmethod
    def backward(ctx, grad):
        (weight,) = ctx.saved_tensors
        s, k = ctx.stride, weight.shape[2:]
        seen = [(grad.shape[2 + i] - 1) * s + k[i] for i in range(2)]  # the input that outputs saw
        if weight[0].numel() * grad[0, 0].numel() * len(grad) <= FOLD_ELEMENTS:
            cols = weight.flatten(1).t() @ grad.flatten(2)  # [B, C_in*kh*kw, P]
            gx = F.fold(cols, seen, k, stride=s)
        else:
            gx = F.conv_transpose2d(grad, weight, stride=s)
        pad = [ctx.size[i] - seen[i] for i in range(2)]
        return F.pad(gx, [0, pad[1], 0, pad[0]]) if any(pad) else gx, None, None


#: the largest column matrix (elements) that conv2d's gradient builds for its fold
FOLD_ELEMENTS = 1 << 24


def conv2d(x: torch.Tensor, weight: torch.Tensor, stride: int = 1) -> torch.Tensor:
    """``F.conv2d(x, weight, stride=stride)`` (no padding, no bias) with a fast input
    gradient, for fixed filters (the weights get no gradient)."""
    return _Conv2d.apply(x, weight, stride)


#: kernels up to this radius are applied as sums of shifted copies, larger ones as
#: convolutions (on CPU the sums are faster forward and backward, where a 1-channel
#: convolution is slow: 4x at radius 3, 7x at 11, 12x at 36 on 3 x 192 x 256)
SHIFT_RADIUS = 64


def _correlate(x: torch.Tensor, taps: tuple[float, ...], dim: int) -> torch.Tensor:
    """``sum_i taps[i] * x[..., i : i + n, ...]`` along ``dim`` (a 'valid' correlation)."""
    n = x.shape[dim] - len(taps) + 1
    out = taps[0] * x.narrow(dim, 0, n)
    for i, t in enumerate(taps[1:], 1):
        out.add_(x.narrow(dim, i, n), alpha=t)
    return out


class _ShiftSum(torch.autograd.Function):
    """:func:`_correlate` whose gradient is the same sum over the zero-padded gradient
    with the taps reversed (autograd's, through every shifted copy, allocates a
    full-size tensor per tap)."""

    @staticmethod
    def forward(ctx, x, taps, dim):
        ctx.taps, ctx.dim = taps, dim % x.dim()
        return _correlate(x, taps, dim)

    @staticmethod
    def backward(ctx, grad):
        r = len(ctx.taps) - 1
        pad = [0, 0] * (grad.dim() - 1 - ctx.dim) + [r, r]
        return _correlate(F.pad(grad, pad), ctx.taps[::-1], ctx.dim), None, None


def gaussian_blur(img: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of [C,H,W] with reflect padding."""
    if sigma <= 0:
        return img
    r = max(1, int(math.ceil(3 * sigma)))
    x = torch.arange(-r, r + 1, device=img.device, dtype=img.dtype)
    k = torch.exp(-0.5 * (x / sigma) ** 2)
    k = k / k.sum()
    c, h, w = img.shape
    out = img[:, None]
    pad_w, pad_h = min(r, w - 1), min(r, h - 1)
    if pad_w < r or pad_h < r:  # tiny images: fall back to replicate padding
        out = F.pad(out, (r, r, r, r), mode="replicate")
    else:
        out = F.pad(out, (r, r, r, r), mode="reflect")
    if r > SHIFT_RADIUS:
        out = conv2d(out, k.view(1, 1, 1, -1))
        return conv2d(out, k.view(1, 1, -1, 1))[:, 0]
    taps = tuple(k.tolist())
    return _ShiftSum.apply(_ShiftSum.apply(out[:, 0], taps, 2), taps, 1)


def sobel(img: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Horizontal and vertical derivatives of [C,H,W] (Sobel, replicate padding)."""
    x = F.pad(img[:, None], (1, 1, 1, 1), mode="replicate")[:, 0]
    smooth, diff = (0.25, 0.5, 0.25), (-0.5, 0.0, 0.5)  # the kernel is their outer product, applied as shifts
    gx = _ShiftSum.apply(_ShiftSum.apply(x, diff, 2), smooth, 1)
    gy = _ShiftSum.apply(_ShiftSum.apply(x, smooth, 2), diff, 1)
    return gx, gy


def luminance(img: torch.Tensor) -> torch.Tensor:
    """[3,H,W] RGB -> [1,H,W] Rec. 601 luma ([1,H,W], a grey picture, is its own)."""
    if img.shape[0] == 1:
        return img
    w = torch.tensor([0.299, 0.587, 0.114], device=img.device, dtype=img.dtype)
    return (img * w.view(3, 1, 1)).sum(0, keepdim=True)


def value(img: torch.Tensor) -> torch.Tensor:
    """[3,H,W] RGB -> [1,H,W] luma (as :func:`luminance`) for the losses that judge
    light and dark alone (texture, coherence, and SSIM beside them): its gradient moves the
    three channels alike, so such a loss makes a stroke lighter or darker, never
    another hue. Through the true gradient, Rec. 601's weights moved green twice as
    far as red and five times as far as blue: lightened strokes turned green and
    darkened ones magenta."""
    return _Value.apply(img)


class _Value(torch.autograd.Function):
    """Luma forward; backward, the same step to every channel (a grey step)."""

    @staticmethod
    def forward(ctx, img):
        ctx.channels = img.shape[0]
        return luminance(img)

    @staticmethod
    def backward(ctx, grad):
        return grad.expand(ctx.channels, -1, -1)


def structure_tensor(img: torch.Tensor, sigma: float) -> torch.Tensor:
    """The structure tensor of the luma of [3,H,W] at the scale ``sigma`` px:
    [3,H,W] holding Jxx, Jxy and Jyy (its trace, Jxx + Jyy, is the edge energy)."""
    gx, gy = sobel(luminance(img))
    return gaussian_blur(torch.cat([gx * gx, gx * gy, gy * gy]), sigma)


def tensor_orientation(j: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``theta`` [H,W], the angle (radians, x right, y down) along which the picture
    of the structure tensor ``j`` [3,H,W] changes least, i.e. along edges, and the
    ``coherence`` [H,W] in [0,1]."""
    jxx, jxy, jyy = j[0], j[1], j[2]
    theta = 0.5 * torch.atan2(2 * jxy, jxx - jyy) + math.pi / 2
    tr = jxx + jyy
    coherence = torch.sqrt((jxx - jyy) ** 2 + 4 * jxy**2) / tr.clamp_min(1e-12)
    return theta, coherence.clamp(0, 1)


def tensor_coherence(j: torch.Tensor) -> torch.Tensor:
    """How strongly the edges run one way in the structure tensor ``j`` [3,H,W]: the
    coherence weighted by edge energy (the trace), 0 to 1, a differentiable scalar."""
    spread = torch.sqrt((j[0] - j[2]) ** 2 + 4 * j[1] ** 2 + 1e-12)
    return spread.sum() / (j[0] + j[2]).sum().clamp_min(1e-12)


def structure_orientation(img: torch.Tensor, sigma: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Edge direction field of [3,H,W] at the scale ``sigma``: (theta, coherence) of
    :func:`tensor_orientation`."""
    return tensor_orientation(structure_tensor(img, sigma))


def coherence(img: torch.Tensor, sigma: float) -> torch.Tensor:
    """How strongly the edges of [3,H,W] run one way at the scale ``sigma`` px
    (:func:`tensor_coherence`)."""
    return tensor_coherence(structure_tensor(img, sigma))


def coherences(img: torch.Tensor, sigmas: tuple[float, ...]) -> torch.Tensor:
    """:func:`coherence` of [3,H,W] (or of a luma [1,H,W]) at each of the increasing
    scales ``sigmas`` px ([len(sigmas)]): one Sobel, each scale's blur continuing the
    last's."""
    gx, gy = sobel(luminance(img))
    j, out, done = torch.cat([gx * gx, gx * gy, gy * gy]), [], 0.0
    for s in sigmas:
        j = gaussian_blur(j, math.sqrt(s * s - done * done))
        out.append(tensor_coherence(j))
        done = s
    return torch.stack(out)


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    """Peak signal-to-noise ratio in dB of two images in [0,1]."""
    mse = float(((a.detach().double() - b.detach().double()) ** 2).mean())
    return float("inf") if mse == 0 else 10 * math.log10(1.0 / mse)
