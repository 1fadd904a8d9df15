"""painter.style.texture: weight-free texture statistics tell textures apart, do not care
where things are, and pull a picture toward a texture when optimized."""
import torch

from painter.style.texture import FilterBank, texture_loss


def grey_texture(name: str, y: int, x: int, size: int = 128) -> torch.Tensor:
    """A crop of one of scikit-image's grey textures as [3,size,size] in [0, 1]."""
    from skimage import data

    img = torch.from_numpy(getattr(data, name)()[y:y + size, x:x + size].copy()).float() / 255
    return img.expand(3, -1, -1).contiguous()


def test_the_same_texture_is_near_and_another_far():
    """Two crops of gravel are near each other and far from brick, and two crops of
    brick near each other and far from gravel."""
    bank = FilterBank(seed=0)
    gravel = [bank.statistics(grey_texture("gravel", y, x)) for y, x in ((100, 50), (350, 330))]
    brick = [bank.statistics(grey_texture("brick", y, x)) for y, x in ((0, 0), (256, 300))]
    assert texture_loss(gravel[0], gravel[0]) == 0
    for same, other in ((gravel, brick), (brick, gravel)):
        near, far = texture_loss(same[1], same[0]), texture_loss(other[0], same[0])
        assert near < 0.25 * far, (near, far)


def test_statistics_are_each_filter_s_mean_and_the_filters_correlations():
    """Per level, a mean for each of the bank's filters and their Gram matrix, filter by
    filter: the statistics that tell an orientation from another at the same energy."""
    bank = FilterBank(seed=0)
    stats = bank.statistics(grey_texture("gravel", 0, 0))
    assert 1 < len(stats.grams) <= len(bank.weights)  # as many levels as the picture holds
    for m, g, w in zip(stats.means, stats.grams, bank.weights):
        assert m.shape == (len(w),) and g.shape == (len(w), len(w))
        assert torch.allclose(g, g.t())


def test_the_same_stripes_turned_are_another_texture():
    """Stripes and the same stripes turned a quarter: the same energy at every scale,
    so only the filters' separate responses tell them apart, and they must."""
    bank = FilterBank(seed=0)
    x = torch.arange(96, dtype=torch.float32)
    stripes = (0.5 + 0.5 * torch.sin(x / 2.0))[None, None, :].expand(3, 96, 96).contiguous()
    turned = stripes.transpose(1, 2).contiguous()
    shifted = torch.roll(stripes, 5, dims=2)
    far = texture_loss(bank.statistics(turned), bank.statistics(stripes))
    near = texture_loss(bank.statistics(shifted), bank.statistics(stripes))
    assert far > 0.3 and near < 0.05 * far, (near, far)


def test_statistics_ignore_where_things_are_and_the_picture_s_size():
    bank = FilterBank(seed=1)
    img = grey_texture("gravel", 0, 0, 192)
    target = bank.statistics(img)
    rolled = bank.statistics(torch.roll(img, (37, 61), dims=(1, 2)))
    smaller = bank.statistics(img[:, :128, :160])
    assert texture_loss(rolled, target) < 0.02
    assert texture_loss(smaller, target) < 0.02


def test_the_bank_is_seeded():
    a, b, c = FilterBank(seed=3), FilterBank(seed=3), FilterBank(seed=4)
    assert all(torch.equal(x, y) for x, y in zip(a.weights, b.weights))
    assert not torch.equal(a.weights[0], c.weights[0])
    assert all(abs(float(w.mean())) < 1e-6 for w in a.weights)  # blind to flat colour


def test_optimizing_the_loss_pulls_a_picture_toward_the_texture():
    """Pixels of a photo, optimized against the statistics of brick for 80 Adam
    steps, end with most of the distance to brick gone (synthesis, as with VGG)."""
    from .conftest import photo

    bank = FilterBank(seed=0)
    target = bank.statistics(grey_texture("brick", 0, 0, 96)).detach()
    img = (torch.from_numpy(photo("astronaut", 64)).float() / 255).permute(2, 0, 1).contiguous().requires_grad_()
    start = float(texture_loss(bank.statistics(img.detach()), target))
    opt = torch.optim.Adam([img], lr=0.02)
    for _ in range(80):
        opt.zero_grad()
        loss = texture_loss(bank.statistics(img), target)
        loss.backward()
        opt.step()
        with torch.no_grad():
            img.clamp_(0, 1)
    end = float(texture_loss(bank.statistics(img.detach()), target))
    assert end < 0.3 * start, (start, end)


def test_texture_only_statistics_ignore_colour_and_contrast():
    bank = FilterBank(seed=0)
    img = grey_texture("gravel", 0, 0)
    tinted = (0.2 + 0.5 * img * torch.tensor([1.0, 0.6, 0.3]).view(3, 1, 1))
    base = bank.statistics(img, texture_only=True)
    assert texture_loss(bank.statistics(tinted, texture_only=True), base) < 0.01
    assert texture_loss(bank.statistics(tinted), bank.statistics(img)) > 0.1



def test_the_gram_has_autograd_s_gradient():
    from painter.style.texture import _Gram

    a = torch.rand(5, 30, dtype=torch.double, generator=torch.Generator().manual_seed(0)).requires_grad_()
    assert torch.autograd.gradcheck(_Gram.apply, (a,))
