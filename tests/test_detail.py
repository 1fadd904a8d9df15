"""Detail where the picture needs it: faces found and painted finer, strokes sized by
the detail map, contours only on edges, and the face's own working size."""
import numpy as np
import pytest
import torch
from skimage import data

from painter import paint
from painter.engine.detail import FACE_WORK_PX, detail_map, edge_map, face_map, face_size, find_faces
from painter.engine.plan import plan_layers
from painter.style.styles import load_style


def _astronaut() -> torch.Tensor:
    return torch.from_numpy(data.astronaut().copy()).permute(2, 0, 1).float() / 255


def test_the_astronauts_face_is_found_where_it_is():
    faces = find_faces(_astronaut())
    assert len(faces) == 1
    x, y, w, h = faces[0]  # her face lies around (0.34..0.52, 0.14..0.32) of the photo
    assert 0.30 < x < 0.40 and 0.10 < y < 0.20 and 0.12 < w < 0.25 and abs(w - h) < 1e-6
    assert find_faces(torch.full((3, 200, 300), 0.5)) == []  # a flat grey photo has none
    assert find_faces(torch.rand(3, 10, 10)) == []  # too small to hold one


def test_a_face_asks_for_a_working_size_that_gives_it_its_pixels():
    photo = _astronaut()
    size = face_size(photo, 512)
    (x, y, w, h), = find_faces(photo)
    assert FACE_WORK_PX <= w * size < FACE_WORK_PX + 2  # her face is that wide at that size
    assert face_size(photo, 300) == 300  # within the limit asked
    assert face_size(torch.full((3, 200, 300), 0.5), 512) == 0


def test_face_map_is_one_inside_zero_far_outside():
    m = face_map([(0.25, 0.25, 0.5, 0.5)], 100, 100)
    assert m.shape == (1, 100, 100)
    assert float(m[0, 50, 50]) == 1.0 and float(m[0, 2, 2]) == 0.0 and float(m[0, 50, 98]) == 0.0
    assert float(face_map([], 10, 10).abs().sum()) == 0.0


def test_edge_and_detail_maps_mark_edges_and_faces():
    img = torch.zeros(3, 64, 64)
    img[:, :, 32:] = 1.0  # one vertical edge
    edges = edge_map(img, 1.0)[0]
    assert float(edges[:, 30:34].min()) == pytest.approx(1.0) and float(edges[:, :20].max()) == 0.0
    faces = face_map([(0.0, 0.0, 0.25, 0.25)], 64, 64)
    detail = detail_map(img, faces)[0]
    assert float(detail.min()) >= 0.0 and float(detail.max()) <= 1.0
    assert float(detail[8, 8]) == 1.0  # the face
    assert float(detail[:, 31:33].mean()) > 0.9 and float(detail[40:, 5:15].max()) < 0.05  # the edge, a flat area


def test_presets_add_a_detail_layer_of_fine_strokes():
    st = load_style("van_gogh")
    layers = plan_layers(st.layers, st.brush, 1200, 240, 256, 256, ground=True, detail=st.detail)
    detail = [layer for layer in layers if layer.detail]
    assert len(detail) == 1 and detail[0].strokes == pytest.approx(0.15 * 1200, abs=1)
    painted = [layer for layer in layers if not layer.detail and not layer.polish and not layer.spec.dark]
    assert detail[0].width <= min(layer.width for layer in painted) / 2 + 1e-6
    assert [layer.index for layer in layers if not layer.polish] == [0, 1, 2, 4, 3]  # the style's own keep theirs
    assert not any(layer.detail for layer in plan_layers(st.layers, st.brush, 1200, 240, 48, 48, detail=st.detail))


@pytest.fixture(scope="module")
def astronaut_van_gogh():
    photo = _astronaut()
    return paint(photo, style="van_gogh", size=256, steps=40, notice=lambda m: None).strokes


def test_strokes_in_the_face_are_finer_than_elsewhere(astronaut_van_gogh):
    s = astronaut_van_gogh
    (x, y, w, h), = find_faces(_astronaut())
    centre = s.points.mean(1)  # canvas units: the photo is square
    inside = ((centre[:, 0] - (x + w / 2)).abs() < w / 2) & ((centre[:, 1] - (y + h / 2)).abs() < h / 2)
    later = s.layer > 0  # the first layer covers the canvas evenly
    width = s.widths.mean(1)
    detail = later & (s.layer == int(s.layer.max()))  # the detail layer, numbered after the style's own
    assert float((inside & later).sum()) > 1.4 * w * h * float(later.sum())  # faces draw strokes eagerly
    assert float((inside & detail).sum()) > 3 * w * h * float(detail.sum())  # the detail layer most of all
    assert float(width[inside & later].median()) < 0.8 * float(width[~inside & later].median())


def test_contour_strokes_lie_on_edges_and_off_the_face(astronaut_van_gogh):
    s = astronaut_van_gogh
    contour = s.layer == 3  # van_gogh's dark outlines
    assert int(contour.sum()) > 50
    photo = _astronaut()
    edges = edge_map(torch.nn.functional.interpolate(photo[None], size=(256, 256), mode="area")[0], 1.0)[0]
    px = (s.points[contour].mean(1) * 256).long().clamp(0, 255)
    on = edges[px[:, 1], px[:, 0]]
    everywhere = float(edges.mean())
    assert float(on.median()) > max(0.6, 2.5 * everywhere)  # along edges, not scattered
    (x, y, w, h), = find_faces(photo)
    core = ((px[:, 0] / 256 - (x + w / 2)).abs() < w / 4) & ((px[:, 1] / 256 - (y + h / 2)).abs() < h / 4)
    visible = s.opacity[contour] > 0.3
    assert int((core & visible).sum()) <= 2  # none across the middle of her face
