"""What a painting looks like, before any stroke is placed: presets and styles.

- :mod:`.presets`: the built-in presets (``styles/*.toml``), found by name, listed and
  described without torch;
- :mod:`.styles`: ``Style`` (brush, layers, palette, losses, material) read from a
  preset, a TOML file or a painting, and the exemplar a preset is painted against;
- :mod:`.analyze`: a painting's measured style (``painter styles --from``);
- :mod:`.texture`: weight-free texture statistics of a style image;
- :mod:`.perceptual` and :mod:`.weights`: VGG19 features and their Gram and content
  losses; where the weights are, and fetching them when asked;
- :mod:`.flow`: the direction fields strokes follow (structure, curl, hatch).

May import: :mod:`painter.materials` (a style names its material), :mod:`painter.render`,
:mod:`painter.primitives`, :mod:`painter.image`, :mod:`painter.defaults`.
"""
from __future__ import annotations

from .._lazy import lazy_face

_API = {
    "StyleError": ".presets", "preset_names": ".presets", "describe_presets": ".presets",
    "Style": ".styles", "Brush": ".styles", "LayerSpec": ".styles", "load_style": ".styles", "list_styles": ".styles",
    "style_from_image": ".styles", "make_exemplar": ".styles",
    "measure": ".analyze",
    "load_vgg": ".perceptual", "PerceptualLoss": ".perceptual",
    "find_weights": ".weights", "fetch_weights": ".weights",
    "flow_angles": ".flow",
}
__all__ = sorted(_API)
__getattr__, __dir__ = lazy_face(__name__, _API)
