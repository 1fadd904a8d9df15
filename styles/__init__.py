"""The built-in style presets, one TOML file each (see van_gogh.toml for every field).

Installed, this folder is the data package ``painter.builtin_styles`` (mapped in
pyproject.toml); painter/presets.py finds the files through importlib.resources.
"""
