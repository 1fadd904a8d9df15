"""Stages 3 and 4 (rasterize, composite) on the binned pairs.

rasterize: every (tile, segment) pair evaluates its segment's field on the tile's
pixel centres as an anti-aliased coverage (a one-pixel box filter across the
stroke's edge, see geometry.segment_coverage); the pairs of one (tile, stroke) group
are reduced with ``max`` (the stroke is the union of its segments).

composite: "over" in stroke order inside each tile. With ``a_g`` a group's alpha,
the colour is ``sum_g a_g c_g prod_{g' after g}(1 - a_g') + bg * prod_g (1 - a_g)``;
the products come from a cumulative sum of ``log(1 - a)`` in float64 (exact enough
across the whole flat array), so the whole stage is a few vectorised ops.
"""
from __future__ import annotations

import torch

from .binning import Bins

#: alpha is clamped below 1 so that log(1 - alpha) stays finite (leak <= 1e-6)
_ALPHA_MAX = 1.0 - 1e-6


def rasterize(bins: Bins, a, b, ra, rb) -> torch.Tensor:
    """Coverage of every group: [G, T*T] in [0, 1], differentiable w.r.t. a, b, ra, rb."""
    return _Coverage.apply(a, b, ra, rb, bins)


def _pair_geometry(bins: Bins, a, b, ra, rb, pair, pix):
    """Per-element geometry for (pair, pixel) index arrays of equal shape."""
    t = bins.tile
    s = bins.pair_seg[pair]
    ptile = bins.pair_tile[pair]
    px = (ptile % bins.tiles_x * t + pix % t).to(a.dtype) + 0.5
    py = (ptile // bins.tiles_x * t + pix // t).to(a.dtype) + 0.5
    ax, ay = a[s, 0], a[s, 1]
    bax, bay = b[s, 0] - ax, b[s, 1] - ay
    pax, pay = px - ax, py - ay
    return s, pax, pay, bax, bay, ra[s], rb[s]


class _Coverage(torch.autograd.Function):
    """Per-pair segment coverage, max-reduced per (tile, stroke) group.

    The forward keeps only the pair coverages; the backward recomputes geometry for
    the (pair, pixel) elements on an anti-aliased edge (0 < coverage < 1) that won
    their group's max, which are few, and sums analytic derivatives into the
    segments. Gradients are checked against finite differences in the tests.
    """

    @staticmethod
    def forward(ctx, a, b, ra, rb, bins: Bins):
        t = bins.tile
        tt = t * t
        s = bins.pair_seg
        ax, ay = a[s, 0], a[s, 1]
        bax_, bay_ = (b[s, 0] - ax).unsqueeze(1), (b[s, 1] - ay).unsqueeze(1)
        g = torch.arange(t, device=a.device, dtype=a.dtype) + 0.5
        pax = (bins.pair_tile % bins.tiles_x * t).to(a.dtype).sub_(ax).unsqueeze(1) + g.repeat(t)  # [Np, TT]
        pay = (bins.pair_tile // bins.tiles_x * t).to(a.dtype).sub_(ay).unsqueeze(1) + g.repeat_interleave(t)
        den = (bax_ * bax_ + bay_ * bay_).clamp_min(1e-12)
        h = ((pax * bax_ + pay * bay_) / den).clamp_(0.0, 1.0)
        qx = pax.sub_(h * bax_)
        qy = pay.sub_(h * bay_)
        d = qx.mul_(qx).add_(qy.mul_(qy)).add_(1e-12).sqrt_()
        r = h.mul_((rb[s] - ra[s]).unsqueeze(1)).add_(ra[s].unsqueeze(1))
        cov = torch.clamp(d + r, max=0.5).sub_(torch.clamp(d.sub_(r), min=-0.5)).clamp_(0.0, 1.0)
        n_groups = bins.group_stroke.shape[0]
        out = cov.new_zeros((n_groups, tt))
        out.scatter_reduce_(0, bins.pair_group.unsqueeze(1).expand(-1, tt), cov, reduce="amax", include_self=False)
        ctx.bins = bins
        ctx.save_for_backward(a, b, ra, rb, cov, out)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        a, b, ra, rb, cov, out = ctx.saved_tensors
        bins: Bins = ctx.bins
        tt = bins.tile * bins.tile
        ga, gb = torch.zeros_like(a), torch.zeros_like(b)
        gra, grb = torch.zeros_like(ra), torch.zeros_like(rb)
        # elements on an AA edge, then those that are their group's max with a gradient
        pair, pix = ((cov > 0) & (cov < 1)).nonzero(as_tuple=True)
        grp = bins.pair_group[pair]
        key = grp * tt + pix
        c = cov[pair, pix]
        gout = grad_out.reshape(-1)[key]
        keep = (c == out.reshape(-1)[key]) & (gout != 0)
        pair, pix, key, gout = pair[keep], pix[keep], key[keep], gout[keep]
        if pair.numel() == 0:
            return ga, gb, gra, grb, None
        # ties (several segments of a stroke give the same max) share the gradient
        uniq, inv, cnt = torch.unique(key, return_inverse=True, return_counts=True)
        gout = gout / cnt[inv].to(gout.dtype)
        s, pax, pay, bax, bay, ras, rbs = _pair_geometry(bins, a, b, ra, rb, pair, pix)
        den = (bax * bax + bay * bay).clamp_min(1e-12)
        h_raw = (pax * bax + pay * bay) / den
        inner = (h_raw > 0) & (h_raw < 1)
        h = h_raw.clamp(0.0, 1.0)
        qx, qy = pax - h * bax, pay - h * bay
        d = torch.sqrt(qx * qx + qy * qy + 1e-12)
        r = ras + h * (rbs - ras)
        du = (d + r < 0.5).to(a.dtype)   # d(min(d + r, .5))/d(d + r)
        dv = (d - r > -0.5).to(a.dtype)  # d(max(d - r, -.5))/d(d - r)
        gd = gout * (du - dv)
        gr = gout * (du + dv)
        # d moves with the closest point a + h (b - a): dd/da = -(q/d)(1-h), dd/db = -(q/d) h
        ux, uy = qx / d, qy / d
        # r = ra + h (rb - ra) with h = (pa.ba)/|ba|^2 when 0 < h < 1
        dr_dh = (rbs - ras) * inner.to(a.dtype) * gr / den
        # dh/db = (pa - 2 h ba)/den ; dh/da = -pa/den + (2h - 1) ba/den  (den folded above)
        dbx = -gd * ux * h + dr_dh * (pax - 2 * h * bax)
        dby = -gd * uy * h + dr_dh * (pay - 2 * h * bay)
        dax = -gd * ux * (1 - h) + dr_dh * (-pax + (2 * h - 1) * bax)
        day = -gd * uy * (1 - h) + dr_dh * (-pay + (2 * h - 1) * bay)
        ga.index_put_((s, torch.zeros_like(s)), dax, accumulate=True)
        ga.index_put_((s, torch.ones_like(s)), day, accumulate=True)
        gb.index_put_((s, torch.zeros_like(s)), dbx, accumulate=True)
        gb.index_put_((s, torch.ones_like(s)), dby, accumulate=True)
        gra.index_add_(0, s, gr * (1 - h))
        grb.index_add_(0, s, gr * h)
        return ga, gb, gra, grb, None


def composite(bins: Bins, coverage, colors, opacity, bg_tiles) -> torch.Tensor:
    """Composite groups over the background, tile by tile.

    ``bg_tiles``: [tiles, T*T, 3]. Returns [tiles, T*T, 3].
    """
    alpha = coverage * opacity[bins.group_stroke].unsqueeze(1)  # [G, TT]
    log_t = torch.log1p(-alpha.clamp(max=_ALPHA_MAX)).double()
    csum = torch.cumsum(log_t, 0)  # inclusive, across all groups
    last = csum[bins.run_last][bins.run_of_group]  # [G, TT]
    trans_after = torch.exp(last - csum).to(alpha.dtype)  # prod over later groups in tile
    contrib = (alpha * trans_after).unsqueeze(-1) * colors[bins.group_stroke].unsqueeze(1)
    acc = torch.zeros_like(bg_tiles).index_add(0, bins.group_tile, contrib)
    before_first = csum[bins.run_first] - log_t[bins.run_first]
    t_all = torch.exp(csum[bins.run_last] - before_first).to(alpha.dtype)  # [R, TT]
    trans = torch.ones(bg_tiles.shape[:2], device=bg_tiles.device, dtype=bg_tiles.dtype)
    trans = trans.index_copy(0, bins.run_tile, t_all)
    return acc + bg_tiles * trans.unsqueeze(-1)


def image_to_tiles(img: torch.Tensor, tile: int, tiles_y: int, tiles_x: int) -> torch.Tensor:
    """[3,H,W] -> [tiles, T*T, 3] (zero padded)."""
    c, h, w = img.shape
    img = torch.nn.functional.pad(img, (0, tiles_x * tile - w, 0, tiles_y * tile - h))
    x = img.reshape(c, tiles_y, tile, tiles_x, tile).permute(1, 3, 2, 4, 0)
    return x.reshape(tiles_y * tiles_x, tile * tile, c)


def tiles_to_image(tiles: torch.Tensor, tile: int, tiles_y: int, tiles_x: int, h: int, w: int) -> torch.Tensor:
    """[tiles, T*T, 3] -> [3,H,W]."""
    c = tiles.shape[-1]
    x = tiles.reshape(tiles_y, tiles_x, tile, tile, c).permute(4, 0, 2, 1, 3)
    return x.reshape(c, tiles_y * tile, tiles_x * tile)[:, :h, :w]
