"""Write the demo photo (scikit-image's astronaut, public domain) to a file.

Usage: python examples/demo_photo.py out/astronaut.png [name]
(name: any of skimage.data's colour photos: astronaut, chelsea, coffee, ...)
"""
import sys

from PIL import Image
from skimage import data

out = sys.argv[1] if len(sys.argv) > 1 else "astronaut.png"
name = sys.argv[2] if len(sys.argv) > 2 else "astronaut"
Image.fromarray(getattr(data, name)()).save(out)
print(out)
