"""Stage 1 of tracing: a picture into bitmaps, one per ink, in numpy (no torch).

The picture is an [H,W,3] float32 array of RGB in [0, 1] (:func:`painter.image.io.load_array`).
``bw`` mode thresholds its luma (:func:`ink_bitmap`); ``color`` mode quantizes it to
inks (:func:`quantize`) and stacks them dark to light (:func:`stacked_layers`).
"""
from __future__ import annotations

import math

import numpy as np

#: Rec. 601 luma weights (as painter.image.imageops.luminance)
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
#: the Y row of sRGB's linear RGB -> XYZ matrix (D65): relative luminance, which orders
#: colours as CIELAB's L does
LUMINANCE_Y = np.array([0.2126729, 0.7151522, 0.0721750], dtype=np.float32)

#: least colour range of the bilateral pre-filter (RGB in [0, 1]): a clean photo's
#: JPEG noise and fine texture are smoothed, its edges are kept (on scikit-image photos
#: at 256 px: 7-38% fewer curves for at most 0.4 dB)
PREFILTER_SIGMA = 0.1
#: the colour range is at least this many times the estimated noise deviation per
#: channel (two pixels of one flat colour differ by about sqrt(6) of it in RGB)
PREFILTER_NOISE_SIGMAS = 2.5
#: pixels sampled to find the inks (every pixel is then assigned to one)
KMEANS_SAMPLE = 32_768


def ink_bitmap(img: np.ndarray, threshold: float | None = None, invert: bool = False) -> tuple[np.ndarray, float]:
    """Boolean [H,W] of the ink pixels of ``img`` [H,W,3] (darker than ``threshold``,
    Otsu's by default) and the threshold used, in [0, 1]."""
    import cv2

    luma = (img * LUMA).sum(-1, dtype=np.float32)
    gray = np.ascontiguousarray((luma * 255.0 + 0.5).clip(0, 255).astype(np.uint8))
    if threshold is None:
        level, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        level = float(level) + 1.0  # Otsu's level belongs to the dark class
    else:
        level = threshold * 255.0
    ink = gray < level
    return (~ink if invert else ink), level / 255.0


def prefilter(img: np.ndarray) -> np.ndarray:
    """Edge-preserving smoothing (bilateral filter) so flat areas quantize without
    speckles while edges stay sharp. Its colour range follows the picture's own
    noise (:func:`noise_level`): differences of a few noise deviations are smoothed
    away, larger ones are edges."""
    import cv2

    a = np.ascontiguousarray(img, dtype=np.float32)
    d = 5 if max(a.shape[:2]) >= 64 else 3
    sigma = max(PREFILTER_SIGMA, PREFILTER_NOISE_SIGMAS * noise_level(img))
    return cv2.bilateralFilter(a, d, sigma, d).clip(0, 1)


def noise_level(img: np.ndarray) -> float:
    """Standard deviation of the picture's pixel noise per channel (RGB in [0, 1]), estimated as
    Immerkaer (1996) does: the mean absolute response of a 3x3 mask that cancels
    smooth image structure (second differences), scaled to a Gaussian deviation."""
    h, w = img.shape[:2]
    if h < 3 or w < 3:
        return 0.0
    a = np.asarray(img, dtype=np.float64)
    # the mask [[1,-2,1],[-2,4,-2],[1,-2,1]] is the outer product of [1,-2,1] with itself
    rows = a[:-2] - 2.0 * a[1:-1] + a[2:]
    resp = rows[:, :-2] - 2.0 * rows[:, 1:-1] + rows[:, 2:]
    return float(np.abs(resp).mean() * math.sqrt(math.pi / 2) / 6)


def quantize(img: np.ndarray, k: int, seed: int = 0, fit: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Reduce ``img`` [H,W,3] to at most ``k`` inks: labels [H,W] (int64) and inks
    [k',3] (float32 RGB, k' <= k; unused inks dropped).

    The clusters are found with k-means in CIELAB (perceptually distinct colours get
    their own ink), then polished with Lloyd steps in sRGB, the space the picture
    is judged in (PSNR); both on a sample of the pixels, then every pixel takes its
    nearest ink. Each ink is the mean colour of its pixels in ``fit`` (default
    ``img``; pass the unfiltered photo when ``img`` is pre-filtered).
    """
    import cv2

    rgb = np.ascontiguousarray(img.reshape(-1, 3), dtype=np.float32)
    step = max(1, len(rgb) // KMEANS_SAMPLE)
    sample = np.ascontiguousarray(rgb[::step])
    lab = cv2.cvtColor(sample.reshape(-1, 1, 3), cv2.COLOR_RGB2Lab).reshape(-1, 3)
    k = max(1, min(k, len(sample)))
    cv2.setRNGSeed(seed)
    _, labels, _ = cv2.kmeans(lab, k, None, (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 0.5), 1,
                              cv2.KMEANS_PP_CENTERS)
    _, _, c = cv2.kmeans(sample, k, labels, (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 30, 1e-4), 1,
                         cv2.KMEANS_USE_INITIAL_LABELS)
    labels = (rgb @ (-2.0 * c.T) + (c * c).sum(1)).argmin(1)  # nearest ink: |p - c|^2 less |p|^2
    src = (img if fit is None else fit).reshape(-1, 3).astype(np.float64)
    counts = np.bincount(labels, minlength=k)
    used = counts > 0
    sums = np.stack([np.bincount(labels, src[:, j], minlength=k) for j in range(3)], 1)
    inks = (sums[used] / counts[used, None]).astype(np.float32).clip(0, 1)
    remap = np.cumsum(used) - 1
    return remap[labels].reshape(img.shape[:2]), inks


def stacked_layers(labels: np.ndarray, inks: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Stack the inks dark to light: bitmap ``i`` holds ink ``i`` and every lighter
    one, so each layer is drawn over a filled layer (no seams) and each bitmap is a
    lightness level set (smooth shapes, few speckles). Returns the bitmaps (that
    of layer 0, the darkest ink, is the whole canvas) and the inks in stacking
    order."""
    order = np.argsort(luminance(inks), kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    r = rank[labels]
    return [r >= i for i in range(order.size)], inks[order]


def luminance(rgb: np.ndarray) -> np.ndarray:
    """[..., 3] sRGB in [0, 1] -> [...] relative luminance Y (CIE XYZ, D65): the
    order of lightness (CIELAB's L is an increasing function of it)."""
    c = np.clip(np.asarray(rgb, dtype=np.float32), 0, 1)
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return lin @ LUMINANCE_Y
