"""Stages 3 and 4 (rasterize, composite) on the binned pairs.

rasterize: every (tile, segment) pair evaluates its segment on the tile's pixel
centres as an anti-aliased coverage (geometry.segment_coverage: a one-pixel box
filter across the stroke's edge); the pairs of one (tile, stroke) group are reduced
with ``max`` (the stroke is the union of its segments).

composite: "over" in stroke order inside each tile. With ``a_g`` a group's alpha,
the colour is ``sum_g a_g c_g prod_{g' after g}(1 - a_g') + bg * prod_g (1 - a_g)``;
the products come from a cumulative sum of ``log(1 - a)`` in float64 (exact enough
across the whole flat array), so the whole stage is a few vectorised ops.

Both stages are autograd Functions with analytic backward passes (checked with
``torch.autograd.gradcheck`` in the tests). Pair arrays are pair-major ``[pairs,
T*T]`` (fast element-wise ops and reduction), group arrays pixel-major ``[T*T,
groups]`` so that the cumulative sums run along the contiguous axis.
"""
from __future__ import annotations

import torch

from .binning import Bins

#: alpha is capped below 1 inside log(1 - alpha) so it stays finite (leak <= 1e-6)
_ALPHA_MAX = 1.0 - 1e-6
#: (tile, segment) pairs rasterized at a time (2.5x faster than whole arrays on 5000
#: strokes: see _chunks)
CHUNK_PAIRS = 4096
#: pixel rows of the tiles composited at a time (see _chunks)
CHUNK_PIXELS = 4


def rasterize(bins: Bins, a, b, ra, rb) -> torch.Tensor:
    """Coverage of every group: [T*T, G] in [0, 1], differentiable w.r.t. a, b, ra, rb."""
    return _Coverage.apply(a, b, ra, rb, bins)


def composite(bins: Bins, coverage, colors, opacity, bg_tiles) -> torch.Tensor:
    """Composite groups over the background, tile by tile.

    ``coverage``: [T*T, G]; ``colors`` [N,C] and ``opacity`` [N] per stroke;
    ``bg_tiles``: [C, T*T, tiles]. Returns [C, T*T, tiles]. Any number of channels
    C (RGB; materials add a height and an alpha).
    """
    return _Over.apply(coverage, colors, opacity, bg_tiles, bins)


def visible_weights(bins: Bins, coverage: torch.Tensor, opacity: torch.Tensor, height: int,
                    width: int) -> torch.Tensor:
    """[N] per stroke, the sum over the pixels of the ``height`` x ``width`` picture
    of its weight in the composite (its alpha times the transmittance of the groups
    over it)."""
    t = int(round(coverage.shape[0] ** 0.5))
    x, y = _pixel_offsets(t, coverage.device, coverage.dtype)
    tile_x = (torch.arange(bins.tiles_y * bins.tiles_x, device=x.device) % bins.tiles_x) * t
    tile_y = (torch.arange(bins.tiles_y * bins.tiles_x, device=x.device) // bins.tiles_x) * t
    inside = ((x[:, None] + tile_x < width) & (y[:, None] + tile_y < height)).to(coverage.dtype)  # [TT, tiles]
    alpha = coverage * opacity[bins.group_stroke]
    weight = (alpha * _transmittance_after(alpha, bins) * inside[:, bins.group_tile]).sum(0)
    return torch.zeros_like(opacity).index_add_(0, bins.group_stroke, weight)


def _pixel_offsets(t: int, device, dtype):
    """x and y of the pixel centres of a tile, row-major: two [T*T] tensors."""
    g = torch.arange(t, device=device, dtype=dtype) + 0.5
    return g.repeat(t), g.repeat_interleave(t)


def pair_distance(bins: Bins, a: torch.Tensor, b: torch.Tensor, rows: slice = slice(None)):
    """For the (tile, segment) pairs ``rows`` (default all), the distance ``d`` from the
    tile's pixel centres to the segment and the projection parameter ``h`` (as
    geometry.segment_distance): two [pairs, T*T] tensors, pair-major (the fast layout
    for element-wise ops and per-group reductions). Fused in-place arithmetic, no
    autograd graph."""
    t = bins.tile
    s = bins.pair_seg[rows]
    tile = bins.pair_tile[rows]
    ax, ay = a[s, 0], a[s, 1]
    bax, bay = b[s, 0] - ax, b[s, 1] - ay
    gx, gy = _pixel_offsets(t, a.device, a.dtype)
    pax = (tile % bins.tiles_x * t).to(a.dtype).sub_(ax).unsqueeze(1) + gx
    pay = (tile // bins.tiles_x * t).to(a.dtype).sub_(ay).unsqueeze(1) + gy
    den = (bax * bax + bay * bay).clamp_min(1e-12)
    bx, by = (bax / den).unsqueeze(1), (bay / den).unsqueeze(1)
    h = pax * bx
    h.addcmul_(pay, by).clamp_(0.0, 1.0)
    qx = pax.sub_(h * bax.unsqueeze(1))
    qy = pay.sub_(h * bay.unsqueeze(1))
    d = qx.mul_(qx).add_(qy.mul_(qy)).add_(1e-12).sqrt_()
    return d, h


def _chunks(n: int, size: int):
    """Slices of at most ``size`` covering ``range(n)``: the pairs (:data:`CHUNK_PAIRS`)
    or the pixel rows of the tiles (:data:`CHUNK_PIXELS`) worked on at a time, so
    that a chunk's arrays stay in the CPU's cache through a dozen element-wise ops."""
    return (slice(i, min(n, i + size)) for i in range(0, n, size))


class _Coverage(torch.autograd.Function):
    """Per-pair segment coverage, max-reduced per (tile, stroke) group.

    The forward keeps the pair coverages and, when a gradient is wanted, the (pair,
    pixel) elements on an anti-aliased edge (0 < coverage < 1), found chunk by chunk;
    the backward recomputes geometry for those that won their group's max, which are
    few, and sums analytic derivatives into the segments.
    """

    @staticmethod
    def forward(ctx, a, b, ra, rb, bins: Bins):
        t = bins.tile
        cov = a.new_empty((bins.pair_seg.shape[0], t * t))
        grad = any(ctx.needs_input_grad[:4])
        edges = []  # flat indices of the elements on an AA edge (0 < coverage < 1), for backward
        for rows in _chunks(cov.shape[0], CHUNK_PAIRS):
            s = bins.pair_seg[rows]
            d, h = pair_distance(bins, a, b, rows)
            r = h.mul_((rb[s] - ra[s]).unsqueeze(1)).add_(ra[s].unsqueeze(1))
            c = torch.clamp(d + r, max=0.5, out=cov[rows])
            c.sub_(torch.clamp(d.sub_(r), min=-0.5)).clamp_(0.0, 1.0)
            if grad:  # found now, while the chunk is in the cache
                edges.append(((c > 0).logical_and_(c < 1)).view(-1).nonzero().squeeze(1) + rows.start * t * t)
        out = bins.group_full.to(cov.dtype).unsqueeze(1).repeat(1, t * t)  # full groups: 1, no pairs
        out.scatter_reduce_(0, bins.pair_group.unsqueeze(1).expand_as(cov), cov, reduce="amax", include_self=False)
        ctx.bins = bins
        edge = torch.cat(edges) if edges else torch.zeros(0, dtype=torch.long, device=a.device)
        ctx.save_for_backward(a, b, ra, rb, cov, out, edge)
        return out.t().contiguous()

    @staticmethod
    def backward(ctx, grad_out):
        a, b, ra, rb, cov, out, edge = ctx.saved_tensors
        bins: Bins = ctx.bins
        t = bins.tile
        ga, gb = torch.zeros_like(a), torch.zeros_like(b)
        gra, grb = torch.zeros_like(ra), torch.zeros_like(rb)
        # the elements on an AA edge that are their group's max and have a gradient
        pair, pix = edge // (t * t), edge % (t * t)
        grp = bins.pair_group[pair]
        gout = grad_out[pix, grp]
        keep = (cov.view(-1)[edge] == out[grp, pix]) & (gout != 0)
        pair, pix, grp, gout = pair[keep], pix[keep], grp[keep], gout[keep]
        if pair.numel() == 0:
            return ga, gb, gra, grb, None
        # ties (several segments of a stroke give the same max) share the gradient
        key = grp * (t * t) + pix
        cnt = torch.zeros(out.numel(), device=gout.device, dtype=gout.dtype).index_add_(0, key, torch.ones_like(gout))
        gout = gout / cnt[key]
        s = bins.pair_seg[pair]
        ptile = bins.pair_tile[pair]
        ax, ay = a[s, 0], a[s, 1]
        bax, bay = b[s, 0] - ax, b[s, 1] - ay
        pax = (ptile % bins.tiles_x * t + pix % t).to(a.dtype) + 0.5 - ax
        pay = (ptile // bins.tiles_x * t + pix // t).to(a.dtype) + 0.5 - ay
        ras, rbs = ra[s], rb[s]
        den = (bax * bax + bay * bay).clamp_min(1e-12)
        h_raw = (pax * bax + pay * bay) / den
        inner = (h_raw > 0) & (h_raw < 1)
        h = h_raw.clamp(0.0, 1.0)
        qx, qy = pax - h * bax, pay - h * bay
        d = torch.sqrt(qx * qx + qy * qy + 1e-12)
        r = ras + h * (rbs - ras)
        du = (d + r < 0.5).to(a.dtype)  # d min(d + r, 1/2) / d(d + r)
        dv = (d - r > -0.5).to(a.dtype)  # d max(d - r, -1/2) / d(d - r)
        gd = gout * (du - dv)
        gr = gout * (du + dv)
        # d follows the closest point a + h (b - a): dd/da = -(q/d)(1 - h), dd/db = -(q/d) h
        ux, uy = qx / d, qy / d
        # r = ra + h (rb - ra), h = pa.ba / |ba|^2 inside the segment:
        # dh/db = (pa - 2 h ba) / den, dh/da = (-pa + (2h - 1) ba) / den
        k = (rbs - ras) * inner.to(a.dtype) * gr / den
        dbx = -gd * ux * h + k * (pax - 2 * h * bax)
        dby = -gd * uy * h + k * (pay - 2 * h * bay)
        dax = -gd * ux * (1 - h) + k * ((2 * h - 1) * bax - pax)
        day = -gd * uy * (1 - h) + k * ((2 * h - 1) * bay - pay)
        ga.index_add_(0, s, torch.stack([dax, day], 1))
        gb.index_add_(0, s, torch.stack([dbx, dby], 1))
        gra.index_add_(0, s, gr * (1 - h))
        grb.index_add_(0, s, gr * h)
        return ga, gb, gra, grb, None


#: transmittances below exp(this) are taken as exp(this) (1e-26: nothing shows through):
#: denormal floats would make the compositing under many opaque layers 1.5x slower
_LOG_T_MIN = -60.0


def _transmittance_after(alpha: torch.Tensor, bins: Bins) -> torch.Tensor:
    """For [TT, G] ``alpha``: per pixel, the product of ``1 - alpha`` over the later
    groups of the same tile (a float64 cumulative sum of ``log(1 - alpha)`` along the
    flat group axis, less its value at the run's last group), at least
    exp(:data:`_LOG_T_MIN`)."""
    out = torch.empty_like(alpha)
    for rows in _chunks(alpha.shape[0], CHUNK_PIXELS):
        csum = torch.cumsum(torch.log1p(-alpha[rows].clamp(max=_ALPHA_MAX)).double(), 1)
        out[rows] = torch.exp((csum[:, bins.run_last][:, bins.run_of_group] - csum).clamp_min(_LOG_T_MIN))
    return out


def _exclusive_in_tile(x: torch.Tensor, bins: Bins) -> torch.Tensor:
    """For [P, G] ``x``: per tile, the sum over the groups *before* each group
    (float64 cumulative sum along the flat group axis, offset by each run's start)."""
    xd = x.double()
    c = torch.cumsum(xd, 1)
    start = c[:, bins.run_first] - xd[:, bins.run_first]
    return c - xd - start[:, bins.run_of_group]


class _Over(torch.autograd.Function):
    """"Over" compositing in paint order with an analytic backward.

    Forward: ``alpha = coverage * opacity``; ``T_g`` = product of ``(1 - alpha)``
    over the later groups of the tile; output = ``sum_g alpha_g T_g c_g + T_all bg``.
    Backward, with ``e_g = c_g . dL/dout``: ``dL/dc_g = alpha_g T_g dL/dout``,
    ``dL/dalpha_g = T_g e_g - below_g / (1 - alpha_g)`` where ``below_g`` is the
    gradient-weighted colour of everything under group ``g`` (earlier groups and the
    background). ``alpha`` is capped at ``1 - 1e-6`` inside the transmittance so the
    logarithms stay finite; the cap passes gradients straight through. Both passes
    work on a few pixel rows of the tiles at a time: the [pixels, G] arrays are
    independent per pixel (3x faster than whole arrays on 5000 strokes).
    """

    @staticmethod
    def forward(ctx, coverage, colors, opacity, bg_tiles, bins: Bins):
        gs, gt = bins.group_stroke, bins.group_tile
        alpha = coverage * opacity[gs]  # [TT, G]
        trans_after = _transmittance_after(alpha, bins)
        w = alpha * trans_after
        acc = _sum_per_tile(w.t().unsqueeze(1) * colors[gs].unsqueeze(2), gt, bg_tiles.shape[2])
        # whole-tile transmittance: that after the first group times (1 - its alpha)
        first = bins.run_first
        t_all = trans_after[:, first] * (1.0 - alpha[:, first].clamp(max=_ALPHA_MAX))
        trans = torch.ones(bg_tiles.shape[1:], device=bg_tiles.device, dtype=bg_tiles.dtype)
        trans.index_copy_(1, bins.run_tile, t_all)
        ctx.bins = bins
        ctx.save_for_backward(coverage, colors, opacity, bg_tiles, alpha, trans_after, trans)
        return acc + bg_tiles * trans.unsqueeze(0)

    @staticmethod
    def backward(ctx, grad_out):
        coverage, colors, opacity, bg_tiles, alpha, trans_after, trans = ctx.saved_tensors
        bins: Bins = ctx.bins
        gs, gt = bins.group_stroke, bins.group_tile
        col, opa = colors[gs].t().unsqueeze(1), opacity[gs]  # [C, 1, G], [G]
        bg_dot = (bg_tiles * grad_out).sum(0) * trans  # [TT, tiles]
        g_cov = torch.empty_like(coverage) if ctx.needs_input_grad[0] else None
        g_col = colors.new_zeros((colors.shape[1], gs.shape[0]))
        g_op = opacity.new_zeros(gs.shape[0])
        for rows in _chunks(coverage.shape[0], CHUNK_PIXELS):
            g_grp = grad_out[:, rows][:, :, gt]  # [C, P, G]: the gradient at each group's tile
            e = (g_grp * col).sum(0)  # [P, G]
            w = alpha[rows] * trans_after[rows]
            below = (_exclusive_in_tile(w * e, bins) + bg_dot[rows][:, gt].double()).to(alpha.dtype)
            g_alpha = trans_after[rows] * e - below / (1.0 - alpha[rows].clamp(max=_ALPHA_MAX))
            if g_cov is not None:
                g_cov[rows] = g_alpha * opa
            g_col += (g_grp * w).sum(1)
            g_op += (g_alpha * coverage[rows]).sum(0)
        g_col = torch.zeros_like(colors).index_add_(0, gs, g_col.t())
        g_op = torch.zeros_like(opacity).index_add_(0, gs, g_op)
        g_bg = grad_out * trans.unsqueeze(0) if ctx.needs_input_grad[3] else None
        return g_cov, g_col, g_op, g_bg, None


def _sum_per_tile(x: torch.Tensor, group_tile: torch.Tensor, tiles: int) -> torch.Tensor:
    """[G, C, T*T] per-group colours summed into their tiles: [C, T*T, tiles] (rows
    added along the first axis, the fast way round for index_add_)."""
    out = x.new_zeros((tiles,) + x.shape[1:]).index_add_(0, group_tile, x)
    return out.permute(1, 2, 0).contiguous()


def background_image(background, default, height: int, width: int, device, dtype) -> torch.Tensor:
    """The [3,H,W] picture to draw on: ``background`` is an RGB colour (3 numbers or a
    [3] tensor), a [3,H,W] image, or None for ``default`` (the primitives' own colour)."""
    if background is None:
        background = default
    bg = torch.as_tensor(background, device=device, dtype=dtype)
    if bg.dim() == 1:
        if bg.shape[0] != 3:
            raise ValueError("background colour must have 3 values (RGB)")
        return bg.view(3, 1, 1).expand(3, height, width)
    if bg.shape != (3, height, width):
        raise ValueError(f"background image must be [3,{height},{width}], got {list(bg.shape)}")
    return bg


def draw_in_bands(draw, background: torch.Tensor, band: int) -> torch.Tensor:
    """A picture drawn in horizontal bands of ``band`` rows (bounded memory):
    ``draw(y0, background[:, y0:y1])`` returns rows ``y0..y1-1`` as [3, y1-y0, W]."""
    height = background.shape[1]
    out = torch.empty_like(background, memory_format=torch.contiguous_format)
    for y0 in range(0, height, band):
        y1 = min(height, y0 + band)
        out[:, y0:y1] = draw(y0, background[:, y0:y1])
    return out


def image_to_tiles(img: torch.Tensor, tile: int, tiles_y: int, tiles_x: int) -> torch.Tensor:
    """[C,H,W] -> [C, T*T, tiles] (zero padded)."""
    c, h, w = img.shape
    img = torch.nn.functional.pad(img, (0, tiles_x * tile - w, 0, tiles_y * tile - h))
    x = img.reshape(c, tiles_y, tile, tiles_x, tile).permute(0, 2, 4, 1, 3)
    return x.reshape(c, tile * tile, tiles_y * tiles_x)


def tiles_to_image(tiles: torch.Tensor, tile: int, tiles_y: int, tiles_x: int, h: int, w: int) -> torch.Tensor:
    """[C, T*T, tiles] -> [C,H,W]."""
    c = tiles.shape[0]
    x = tiles.reshape(c, tile, tile, tiles_y, tiles_x).permute(0, 3, 1, 4, 2)
    return x.reshape(c, tiles_y * tile, tiles_x * tile)[:, :h, :w]
