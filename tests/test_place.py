"""Where new strokes go (painter.engine.place.place_strokes): where the painting so far
differs from the goal, and contour strokes onto the picture's edges."""
from __future__ import annotations

import torch

from painter.engine.place import place_strokes


def _centres(placed: dict) -> torch.Tensor:
    """Each stroke's centre [n,2] (x, y), the middle of its control points."""
    return placed["points"].mean(1)


def test_strokes_land_where_the_painting_differs_from_the_goal():
    target = torch.full((3, 90, 90), 0.5)
    target[:, 30:60, 30:60] = torch.tensor([0.9, 0.2, 0.1])[:, None, None]  # a red square: a ninth of the canvas
    current = torch.full((3, 90, 90), 0.5)  # painted everywhere but the square
    placed = place_strokes(target, current, 60, width=3.0, length=6.0, generator=torch.Generator().manual_seed(0))
    c = _centres(placed)
    inside = ((c >= 27) & (c <= 63)).all(1)  # the square, and the half-width of its blurred error around it
    assert inside.float().mean() >= 0.9, inside.float().mean()  # uniform placement: about 0.16
    # and the strokes take the goal's colour there
    red = (placed["colors"][inside] - torch.tensor([0.9, 0.2, 0.1])).abs().max(1).values < 0.2
    assert red.float().mean() >= 0.7


def test_contour_strokes_land_on_the_edges_not_in_the_flat_dark():
    target = torch.ones(3, 90, 90)
    target[:, :, :45] = 0.1  # dark on the left half, light on the right: one edge at x = 45
    current = torch.ones(3, 90, 90)  # a white canvas: the error is the whole dark half
    gen = torch.Generator().manual_seed(1)
    edges = _centres(place_strokes(target, current, 40, width=2.0, length=8.0, generator=gen, along_edges=True))
    near = ((edges[:, 0] - 45).abs() <= 4).float().mean()
    assert near >= 0.9, near
    gen = torch.Generator().manual_seed(1)
    anywhere = _centres(place_strokes(target, current, 40, width=2.0, length=8.0, generator=gen))
    assert ((anywhere[:, 0] - 45).abs() <= 4).float().mean() < 0.5  # without it they fill the dark half
