"""SVG filter primitives computed in torch, as the SVG specification defines them.

A material written into an SVG as a ``<filter>`` must look the same in painter's
PNG: these functions compute what resvg (and the specification) compute for the
primitives painter's materials use, on [C,H,W] tensors in [0, 1]. The noise source
is :func:`painter.materials.noise.turbulence`.

    diffuse_lighting   feDiffuseLighting with a feDistantLight: relief lit from a
                       direction, the height map being an alpha channel
    color_matrix       feColorMatrix type="matrix"
    arithmetic         feComposite operator="arithmetic"
    composite          feComposite operator="over", "in", "out" (and feMerge: over)
    box_blur           feGaussianBlur with stdDeviation >= 2, as resvg computes it
                       (five box blurs, each rounded to 8 bits)
    convolve           feConvolveMatrix with edgeMode="none" (small blurs: binomial kernels)
    component_transfer feComponentTransfer (feFuncR/G/B/A: table, discrete, linear,
                       gamma)

Images with an alpha channel are [4,H,W] with premultiplied colour, as filters keep
them.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

def _normal_component(alpha: torch.Tensor, dim: int) -> torch.Tensor:
    """The component along ``dim`` (1: x, 0: y) of the specification's surface normal
    kernel for [H,W] ``alpha``, before the surface scale: interior pixels take the
    Sobel difference over 1/4; on the image's edges the missing row or column is left
    out and the factor follows (1/3, 1/2 or 2/3, as the specification's border
    kernels)."""
    a = alpha if dim == 1 else alpha.t()
    h, w = a.shape
    # differences along the axis: central inside, one-sided (counted twice) at both ends
    diff = torch.empty_like(a)
    if w > 1:
        diff[:, 1:-1] = a[:, 2:] - a[:, :-2]
        diff[:, 0] = 2 * (a[:, 1] - a[:, 0])
        diff[:, -1] = 2 * (a[:, -1] - a[:, -2])
    else:
        diff.zero_()
    # weighted sum (1, 2, 1) over the neighbours across it, missing ones left out
    total = 2 * diff
    total[1:] += diff[:-1]
    total[:-1] += diff[1:]
    weight = torch.full((h, 1), 4.0, dtype=a.dtype, device=a.device)
    if h > 1:
        weight[0] = weight[-1] = 3.0
    else:
        weight[0] = 2.0
    out = total / weight
    return out if dim == 1 else out.t()


def diffuse_lighting(height: torch.Tensor, surface_scale: float = 1.0, diffuse_constant: float = 1.0,
                     azimuth: float = 0.0, elevation: float = 0.0,
                     color: tuple[float, float, float] = (1.0, 1.0, 1.0)) -> torch.Tensor:
    """``<feDiffuseLighting surfaceScale diffuseConstant lighting-color><feDistantLight
    azimuth elevation/>`` on the height map ``height`` ([H,W] in [0,1], the input's
    alpha): [3,H,W] RGB in [0,1] (the primitive's alpha is 1). ``kd * N.L * color``
    with ``N`` the unit surface normal of ``surface_scale * height`` and ``L`` the
    light's direction (degrees)."""
    az, el = math.radians(azimuth), math.radians(elevation)
    light = (math.cos(az) * math.cos(el), math.sin(az) * math.cos(el), math.sin(el))
    nx = -surface_scale * _normal_component(height, 1)
    ny = -surface_scale * _normal_component(height, 0)
    n_dot_l = (nx * light[0] + ny * light[1] + light[2]) / torch.sqrt(nx * nx + ny * ny + 1.0)
    factor = diffuse_constant * n_dot_l
    rgb = torch.tensor(color, dtype=height.dtype, device=height.device).view(3, 1, 1)
    return (rgb * factor).clamp(0.0, 1.0)


def color_matrix(img: torch.Tensor, matrix) -> torch.Tensor:
    """``<feColorMatrix type="matrix" values=...>`` on premultiplied RGBA [4,H,W]:
    the 4x5 ``matrix`` (20 numbers, row by row) applied to the unpremultiplied
    colour and alpha, clamped to [0, 1], premultiplied again. Zero terms cost
    nothing (materials use sparse matrices on large pictures)."""
    m = [float(v) for v in matrix]
    if len(m) != 20:
        raise ValueError("a colour matrix has 20 values")
    alpha = img[3]
    opaque = bool((alpha == 1).all())
    rgba = img if opaque else torch.cat([torch.where(alpha > 0, img[:3] / alpha.clamp_min(1e-12), 0.0), img[3:]])
    rows = []
    for i in range(4):
        row = torch.full_like(alpha, m[5 * i + 4])
        for j in range(4):
            if m[5 * i + j]:
                row = row + m[5 * i + j] * rgba[j]
        rows.append(row.clamp_(0.0, 1.0))
    out = torch.stack(rows)
    return torch.cat([out[:3] * out[3:4], out[3:4]])


def arithmetic(in1: torch.Tensor, in2: torch.Tensor, k1: float = 0.0, k2: float = 0.0, k3: float = 0.0,
               k4: float = 0.0) -> torch.Tensor:
    """``<feComposite operator="arithmetic" k1 k2 k3 k4>`` of premultiplied RGBA
    [4,H,W] images: ``k1 i1 i2 + k2 i1 + k3 i2 + k4`` per channel, the alpha clamped
    to [0, 1] and the colour to [0, alpha]."""
    out = k1 * in1 * in2 + k2 * in1 + k3 * in2 + k4
    alpha = out[3:4].clamp(0.0, 1.0)
    return torch.cat([torch.minimum(out[:3].clamp_min(0.0), alpha), alpha])


def composite(in1: torch.Tensor, in2: torch.Tensor, operator: str = "over") -> torch.Tensor:
    """``<feComposite operator=...>`` of premultiplied RGBA [4,H,W] images (Porter
    and Duff): "over" (``in1`` over ``in2``), "in" (``in1`` where ``in2`` is opaque)
    or "out" (``in1`` where ``in2`` is transparent)."""
    a1, a2 = in1[3:4], in2[3:4]
    if operator == "over":
        return in1 + in2 * (1.0 - a1)
    if operator == "in":
        return in1 * a2
    if operator == "out":
        return in1 * (1.0 - a2)
    raise ValueError(f"unknown composite operator {operator!r}")


#: box passes that approximate a Gaussian (resvg's feGaussianBlur for stdDeviation >= 2)
BOX_PASSES = 5


def box_sizes(sigma: float, passes: int = BOX_PASSES) -> list[int]:
    """Odd box widths whose ``passes`` successive box blurs approximate a Gaussian of
    ``sigma`` (the smaller width for the first ones, as resvg chooses them)."""
    if sigma <= 0:
        return [1] * passes
    ideal = math.sqrt(12.0 * sigma * sigma / passes) + 1.0
    lower = int(math.floor(ideal))
    lower -= 1 if lower % 2 == 0 else 0
    m = (12.0 * sigma * sigma - passes * lower * lower - 4.0 * passes * lower - 3.0 * passes) / (-4.0 * lower - 4.0)
    first = int(math.floor(m + 0.5)) if m >= 0 else -int(math.floor(-m + 0.5))  # halves away from zero
    return [lower if i < first else lower + 2 for i in range(passes)]


def box_blur(img: torch.Tensor, sigma_x: float, sigma_y: float | None = None, levels: int | None = 255) -> torch.Tensor:
    """``<feGaussianBlur stdDeviation="sigma_x sigma_y">`` of a premultiplied [C,H,W]
    image as resvg computes it for a deviation of 2 or more: :data:`BOX_PASSES`
    passes, each a vertical then a horizontal centred box (transparent beyond the
    edges), each rounded to ``levels`` steps (None: not rounded)."""
    sigma_y = sigma_x if sigma_y is None else sigma_y
    c, h, w = img.shape
    out = img
    for bx, by in zip(box_sizes(sigma_x), box_sizes(sigma_y)):
        for size, dim in ((by, 1), (bx, 2)):
            r = (size - 1) // 2
            if r == 0:
                continue
            x = out.movedim(dim, -1)
            shape = x.shape
            x = F.avg_pool1d(x.reshape(-1, 1, shape[-1]), 2 * r + 1, stride=1, padding=r, count_include_pad=True)
            out = x.reshape(shape).movedim(-1, dim)
            if levels:
                out = torch.floor(out * levels + 0.5) / levels
    return out


def convolve(img: torch.Tensor, kernel: torch.Tensor, divisor: float | None = None) -> torch.Tensor:
    """``<feConvolveMatrix order kernelMatrix divisor edgeMode="none">`` of a
    premultiplied [C,H,W] image: each channel convolved with ``kernel`` [k,k] (odd
    k, the target in the middle; transparent beyond the edges), over ``divisor``
    (default: the kernel's sum), clamped to [0, 1] (colour to at most alpha)."""
    k = kernel.to(img)
    divisor = float(k.sum()) if divisor is None else divisor
    weight = (k.flip(0, 1) / divisor)[None, None].expand(img.shape[0], 1, -1, -1)
    out = F.conv2d(img[None], weight, padding=k.shape[0] // 2, groups=img.shape[0])[0].clamp(0.0, 1.0)
    if img.shape[0] == 4:
        out = torch.cat([torch.minimum(out[:3], out[3:]), out[3:]])
    return out


def transfer(c: torch.Tensor, func: tuple | None) -> torch.Tensor:
    """One ``feFuncX`` on unpremultiplied values ``c`` in [0, 1]: ``func`` is None
    (identity), ``("table", values)``, ``("discrete", values)``, ``("linear", slope,
    intercept)`` or ``("gamma", amplitude, exponent, offset)``; clamped to [0, 1]."""
    if func is None:
        return c
    kind, *args = func
    if kind in ("table", "discrete"):
        v = torch.as_tensor(args[0], dtype=c.dtype, device=c.device)
        if v.numel() == 0:
            return c
        n = v.numel() - 1 if kind == "table" else v.numel()
        k = torch.floor(c * n).long().clamp(0, max(n - 1, 0) if kind == "discrete" else n)
        if kind == "discrete":
            out = v[k]
        else:
            nxt = v[(k + 1).clamp(max=n)]
            out = torch.where(k == n, v[k], v[k] + (c - k / max(n, 1)) * n * (nxt - v[k]))
    elif kind == "linear":
        out = args[0] * c + args[1]
    elif kind == "gamma":
        out = args[0] * c.pow(args[1]) + args[2]
    else:
        raise ValueError(f"unknown transfer function {kind!r}")
    return out.clamp(0.0, 1.0)


def component_transfer(img: torch.Tensor, r: tuple | None = None, g: tuple | None = None, b: tuple | None = None,
                       a: tuple | None = None, levels: int | None = 255) -> torch.Tensor:
    """``<feComponentTransfer>`` on premultiplied RGBA [4,H,W]: each channel of the
    unpremultiplied colour through its function (see :func:`transfer`), then
    premultiplied again. With ``levels``, the unpremultiplied values are rounded to
    that many steps and the results cut down to them, as an 8-bit filter chain
    does (thresholds of discrete and table functions then fall where resvg's do)."""
    alpha = img[3:4]
    rgb = torch.where(alpha > 0, img[:3] / alpha.clamp_min(1e-12), 0.0)
    if levels:
        rgb = torch.floor(rgb * levels + 0.5).clamp(max=levels) / levels
    out = torch.stack([transfer(rgb[0], r), transfer(rgb[1], g), transfer(rgb[2], b), transfer(alpha[0], a)])
    if levels:
        out = torch.floor(out * levels) / levels
    return torch.cat([out[:3] * out[3:4], out[3:4]])
