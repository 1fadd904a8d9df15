"""Potrace's C library called through ctypes, on a bitmap packed by numpy.

pypotrace (``import potrace``) is the binding painter depends on, but its ``Bitmap``
copies a picture into Potrace's words one pixel at a time through Python's
indexing: 20 ms of every 24 ms a 512 px layer takes. This module calls the same
library that pypotrace links (``libpotrace.so.0``) on words packed with
``numpy.packbits``, and reads the curves back as arrays: the same numbers, a tenth
of the time. Where the shared library cannot be loaded (a static build, another
platform), :func:`available` is False and tracing uses pypotrace.

The structures are those of ``potracelib.h`` (Potrace 1.x, a stable ABI): a bitmap
is ``h`` rows of ``dy`` machine words, the leftmost pixel in a word's highest bit,
row ``y`` of the array being Potrace's line ``y``.
"""
from __future__ import annotations

import ctypes
from ctypes import POINTER, Structure, c_double, c_int, c_ulong, c_void_p

import numpy as np

#: names the shared library goes by (Debian's libpotrace0, Homebrew's potrace)
LIBRARY_NAMES = ("libpotrace.so.0", "libpotrace.so", "libpotrace.0.dylib", "libpotrace.dylib")
#: Potrace's turn policies, by the names of its TURNPOLICY_* constants (0, 1, ...)
TURNPOLICIES = ("black", "white", "left", "right", "minority", "majority", "random")
CURVETO, CORNER = 1, 2
STATUS_OK = 0
WORD_BITS = ctypes.sizeof(c_ulong) * 8


class _Progress(Structure):
    _fields_ = [("callback", c_void_p), ("data", c_void_p), ("min", c_double), ("max", c_double),
                ("epsilon", c_double)]


class _Param(Structure):
    _fields_ = [("turdsize", c_int), ("turnpolicy", c_int), ("alphamax", c_double), ("opticurve", c_int),
                ("opttolerance", c_double), ("progress", _Progress)]


class _Bitmap(Structure):
    _fields_ = [("w", c_int), ("h", c_int), ("dy", c_int), ("map", POINTER(c_ulong))]


class _Curve(Structure):
    _fields_ = [("n", c_int), ("tag", POINTER(c_int)), ("c", POINTER(c_double))]  # c: n x 3 points (x, y)


class _Path(Structure):
    pass


_Path._fields_ = [("area", c_int), ("sign", c_int), ("curve", _Curve), ("next", POINTER(_Path)),
                  ("childlist", POINTER(_Path)), ("sibling", POINTER(_Path)), ("priv", c_void_p)]


class _State(Structure):
    _fields_ = [("status", c_int), ("plist", POINTER(_Path)), ("priv", c_void_p)]


_lib: ctypes.CDLL | None | bool = False  # False: not tried yet


def library() -> ctypes.CDLL | None:
    """The loaded Potrace library with its functions' signatures, or None."""
    global _lib
    if _lib is False:
        _lib = None
        for name in LIBRARY_NAMES:
            try:
                lib = ctypes.CDLL(name)
            except OSError:
                continue
            lib.potrace_param_default.restype = POINTER(_Param)
            lib.potrace_param_free.argtypes = [POINTER(_Param)]
            lib.potrace_trace.restype = POINTER(_State)
            lib.potrace_trace.argtypes = [POINTER(_Param), POINTER(_Bitmap)]
            lib.potrace_state_free.argtypes = [POINTER(_State)]
            _lib = lib
            break
    return _lib


def available() -> bool:
    return library() is not None


def trace_curves(bitmap: np.ndarray, params: dict) -> list[tuple[np.ndarray, np.ndarray]]:
    """Potrace ``bitmap`` ([H,W] bool, True = ink) with ``params`` (turdsize,
    turnpolicy by name, alphamax, opticurve, opttolerance): each curve of Potrace's
    path list, in its order, as ``(tags [n] int, points [n,3,2] float64)``."""
    lib = library()
    h, w = bitmap.shape
    dy = (w + WORD_BITS - 1) // WORD_BITS
    packed = np.zeros((h, dy * WORD_BITS // 8), np.uint8)
    packed[:, : (w + 7) // 8] = np.packbits(bitmap, axis=1)  # padding bits stay 0
    words = np.ascontiguousarray(packed.view(f">u{WORD_BITS // 8}").astype(np.uint64 if WORD_BITS == 64 else np.uint32))
    bm = _Bitmap(w, h, dy, words.ctypes.data_as(POINTER(c_ulong)))
    param = lib.potrace_param_default()
    if not param:
        raise MemoryError("potrace_param_default failed")
    try:
        p = param.contents
        p.turdsize, p.turnpolicy = int(params["turdsize"]), TURNPOLICIES.index(params["turnpolicy"])
        p.alphamax, p.opticurve = float(params["alphamax"]), int(bool(params["opticurve"]))
        p.opttolerance = float(params["opttolerance"])
        state = lib.potrace_trace(param, ctypes.byref(bm))
    finally:
        lib.potrace_param_free(param)
    if not state:
        raise MemoryError("potrace_trace failed")
    try:
        if state.contents.status != STATUS_OK:
            raise RuntimeError("Potrace could not trace the bitmap")
        out = []
        node = state.contents.plist
        while node:
            curve = node.contents.curve
            n = curve.n
            tags = np.ctypeslib.as_array(curve.tag, shape=(n,)).copy()
            pts = np.ctypeslib.as_array(curve.c, shape=(n, 3, 2)).copy()
            out.append((tags, pts))
            node = node.contents.next
        return out
    finally:
        lib.potrace_state_free(state)
