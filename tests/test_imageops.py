"""Small image operations: the fast paths give the plain ones' answers."""
import pytest
import torch

from painter.image import imageops
from painter.image.imageops import conv2d


@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("shape", [(15, 16), (16, 17)])
def test_the_fast_convolution_has_autograd_s_gradient(stride, shape):
    """imageops.conv2d's hand-written input gradient (a transposed convolution padded
    after) is the true one, on odd and even sizes."""
    g = torch.Generator().manual_seed(0)
    x = torch.rand(1, 3, *shape, dtype=torch.double, generator=g).requires_grad_()
    w = torch.randn(4, 3, 7, 7, dtype=torch.double, generator=g)
    assert torch.allclose(conv2d(x, w, stride), torch.nn.functional.conv2d(x, w, stride=stride))
    assert torch.autograd.gradcheck(lambda t: conv2d(t, w, stride), (x,))


def test_blur_by_shifts_is_the_convolution():
    """Small kernels are applied as sums of shifted copies, large ones as
    convolutions: the same blur, on pictures smaller than the kernel too."""
    g = torch.Generator().manual_seed(0)
    for sigma in (0.4, 1.0, 2.5):
        for shape in ((3, 40, 50), (1, 5, 70), (2, 3, 3)):
            x = torch.rand(*shape, generator=g)
            shifted = imageops.gaussian_blur(x, sigma)
            old, imageops.SHIFT_RADIUS = imageops.SHIFT_RADIUS, -1
            try:
                convolved = imageops.gaussian_blur(x, sigma)
            finally:
                imageops.SHIFT_RADIUS = old
            assert shifted.shape == x.shape and torch.allclose(shifted, convolved, atol=1e-6)


def test_the_blur_by_shifts_has_autograd_s_gradient():
    x = torch.rand(2, 9, 11, dtype=torch.double, generator=torch.Generator().manual_seed(1)).requires_grad_()
    assert torch.autograd.gradcheck(lambda t: imageops.gaussian_blur(t, 0.7), (x,))


def test_coherence_of_stripes_and_of_noise():
    import math

    y, x = torch.meshgrid(torch.arange(64.0), torch.arange(64.0), indexing="ij")
    stripes = (0.5 + 0.4 * torch.sin(2 * math.pi * (x + 0.5 * y) / 8)).expand(3, -1, -1)
    noise = torch.rand(3, 64, 64, generator=torch.Generator().manual_seed(0))
    assert imageops.coherence(stripes, 1.5) > 0.9 > 0.5 > imageops.coherence(noise, 1.5)


def test_coherence_at_several_scales_is_each_scale_s_own():
    """The cascaded blurs of coherences give what one blur per scale gives (a
    Gaussian blurred by another is one of the summed variances), and its gradient."""
    img = torch.rand(3, 48, 40, generator=torch.Generator().manual_seed(4))
    got = imageops.coherences(img, (1.0, 2.0, 4.0))
    want = torch.stack([imageops.coherence(img, s) for s in (1.0, 2.0, 4.0)])
    assert got[0] > got[1] > got[2]  # noise: fewer edges agree the wider one looks
    assert torch.allclose(got, want, atol=0.01), (got, want)
    xd = torch.rand(3, 12, 14, dtype=torch.double, generator=torch.Generator().manual_seed(5)).requires_grad_()
    assert torch.autograd.gradcheck(lambda t: imageops.coherences(t, (0.8, 1.5)), (xd,))


def test_sobel_by_shifts_is_the_3x3_kernel():
    img = torch.rand(2, 30, 41, generator=torch.Generator().manual_seed(2))
    kx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]) / 8
    x = torch.nn.functional.pad(img[:, None], (1, 1, 1, 1), mode="replicate")
    gx, gy = imageops.sobel(img)
    assert torch.allclose(gx, torch.nn.functional.conv2d(x, kx.view(1, 1, 3, 3))[:, 0], atol=1e-6)
    assert torch.allclose(gy, torch.nn.functional.conv2d(x, kx.t().reshape(1, 1, 3, 3))[:, 0], atol=1e-6)
    xd = torch.rand(1, 7, 8, dtype=torch.double, generator=torch.Generator().manual_seed(3)).requires_grad_()
    assert torch.autograd.gradcheck(lambda t: torch.stack(imageops.sobel(t)), (xd,))


def test_value_is_luma_whose_gradient_is_grey():
    """imageops.value: luminance's numbers, and a gradient that moves R, G and B
    alike (a luma-only loss lightens or darkens, never changes the hue)."""
    img = torch.rand(3, 9, 7, generator=torch.Generator().manual_seed(3)).requires_grad_()
    y = imageops.value(img)
    assert torch.equal(y, imageops.luminance(img.detach()))
    (y * torch.rand(1, 9, 7, generator=torch.Generator().manual_seed(4))).sum().backward()
    assert torch.equal(img.grad[0], img.grad[1]) and torch.equal(img.grad[1], img.grad[2])
    grey = torch.rand(1, 5, 5).requires_grad_()
    imageops.value(grey).sum().backward()  # a grey picture is its own luma
    assert torch.equal(grey.grad, torch.ones(1, 5, 5))
