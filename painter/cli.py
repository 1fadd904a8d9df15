"""The ``painter`` command line: one command per verb, thin over the Python API.

Errors are one line on stderr (``painter: error: ...``) with exit status 1 for bad
input and 2 for bad usage; ``--debug`` shows the traceback instead.

Importing this module imports no torch: ``--help``, ``--version``, ``painter styles``
and usage errors answer at once. Each command imports what it paints with inside its
body; option defaults come from :mod:`painter.defaults`.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from . import __version__
from .defaults import (DEFAULT_QUALITY, DEFAULT_SIZE, DEFAULT_STEPS, DEFAULT_STROKES, FORMATS, MAX_ANIMATION_SIZE,
                       MAX_OUTPUT_SIZE, STUDIO_MAX_CONNECTIONS, STUDIO_MAX_PIXELS, STUDIO_MAX_STREAMS,
                       STUDIO_REQUEST_SECONDS, WORK_SIZE_RANGE, check_output_path, run_sizes)

EXIT_INPUT, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130


class UserError(click.ClickException):
    exit_code = EXIT_INPUT


def _fail(msg: str) -> None:
    raise UserError(msg)


def _host_names(ctx, param, names: tuple[str, ...]) -> tuple[str, ...]:
    """--allow-host's names: host names or addresses, as a Host header carries them."""
    import re

    for name in names:
        if not re.fullmatch(r"[A-Za-z0-9._-]+|\[?[0-9A-Fa-f:.]+\]?", name):
            raise click.BadParameter(f"{name!r} is not a host name (a name such as painter.lan, or an address)")
    return tuple(n.lower().strip("[]").rstrip(".") for n in names)


def _memory_amount(ctx, param, text: str) -> int | str | None:
    """--worker-memory: an amount (2G, 1500M), auto or none."""
    from .studio.limits import LEAST_WORKER_MEMORY, parse_bytes, show_bytes

    if text.lower() in ("auto", "none"):
        return text.lower()
    try:
        amount = parse_bytes(text)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None
    if amount < LEAST_WORKER_MEMORY:
        raise click.BadParameter(f"{text} is less than a worker needs to start ({show_bytes(LEAST_WORKER_MEMORY)})")
    return amount


def _token_text(ctx, param, token: str | None) -> str | None:
    """--token: URL-safe characters only (it travels in a URL and a cookie)."""
    import re

    if token and not re.fullmatch(r"[A-Za-z0-9._~-]+", token):
        raise click.BadParameter("use letters, digits and . _ ~ - only (it goes into a URL and a cookie)")
    return token


def _check_outputs(outputs: tuple[str, ...], inputs: tuple[str, ...], formats: tuple[str, ...] | None = None,
                   what: str = "") -> list[Path]:
    """Validate output paths before any work: format (one of ``formats`` if given,
    ``what`` naming the kind of output), directory, not an input."""
    paths = []
    in_real = {os.path.realpath(p) for p in inputs}
    for o in outputs:
        if formats is None or Path(o).suffix.lower() not in formats:
            try:
                check_output_path(o)
            except ValueError as e:
                raise click.UsageError(str(e)) from None
            if formats is not None:
                raise click.UsageError(f"{o}: {what} are written as {', '.join(formats[:-1])} or {formats[-1]}"
                                       if len(formats) > 1 else f"{o}: {what} are written as {formats[0]}")
        p = Path(o)
        parent = p.parent if str(p.parent) else Path(".")
        if not parent.is_dir():
            _fail(f"{o}: output directory {str(parent)!r} does not exist")
        if not _writable(parent):
            _fail(f"{o}: output directory {str(parent)!r} is not writable")
        if p.is_dir():
            _fail(f"{o}: is a directory")
        if os.path.realpath(o) in in_real:
            _fail(f"{o}: output would overwrite the input")
        paths.append(p)
    return paths


def _writable(folder: Path) -> bool:
    """Whether a file can be created in ``folder`` (tried: permissions, read-only
    file systems and root all answer truly)."""
    import tempfile

    try:
        fd, tmp = tempfile.mkstemp(prefix=".painter-probe.", dir=folder)
    except OSError:
        return False
    os.close(fd)
    os.unlink(tmp)
    return True


def _material_option(default_text: str):
    def deco(f):
        return click.option("--material", default=None, metavar="NAME[:K=V,...]",
                            help="What the paint is made of: flat, oil, watercolor, ink, graphite or print, with "
                                 "parameters such as oil:strength=0.5,light=180 (strength, scale, light, paper, "
                                 f"seed).  [default: {default_text}]")(f)
    return deco


def _check_material(text: str | None):
    """``--material``: None, or the Material it names (a bad one is a usage error)."""
    if text is None:
        return None
    from .materials import MaterialError, material

    try:
        return material(text)
    except MaterialError as e:
        raise click.BadParameter(str(e), param_hint="'--material'") from None


class _Size(click.ParamType):
    """An output size: pixels (2048) or a print size (a3, 30cm, 12in, 297mm); checked
    here, read with --dpi by :func:`_output_size`."""

    name = "size"

    def convert(self, value, param, ctx):
        from .export.prints import parse_size

        try:
            parse_size(value)
        except ValueError as e:
            self.fail(str(e), param, ctx)
        return str(value)


def _print_options(f):
    """--dpi and --quality, for commands that write pictures."""
    f = click.option("--quality", type=click.IntRange(1, 100), default=DEFAULT_QUALITY, show_default=True,
                     help="JPEG and WebP quality, 1 to 100.")(f)
    return click.option("--dpi", type=click.FloatRange(1, 10000), default=None, metavar="DPI",
                        help="Dots per inch of a print size (default 300), or of a size in pixels: PNG and JPEG "
                             "record it, SVG and PDF take their size in millimetres from it.")(f)


def _output_size(text: str | None, dpi: float | None, param: str):
    """What ``text`` and ``--dpi`` ask for: pixels or a PrintSize (a bad one is a usage
    error naming ``param``); None where ``text`` is (the command's default size)."""
    from .export.prints import parse_size

    if text is None:
        return None
    try:
        return parse_size(text, dpi)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint=f"'{param}'") from None


def _device_option(f):
    return click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True,
                        help="Where to compute: CUDA when present, else CPU.")(f)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="painter")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Turn photos into paintings made of real vector brushstrokes."""
    ctx.obj = {"debug": debug, "argv": sys.argv[1:] if ctx.obj is None else ctx.obj.get("argv", [])}


@cli.command()
@click.argument("photo", type=click.Path(dir_okay=True, path_type=str))
@click.option("--style", default="none", show_default=True,
              help="A preset (see `painter styles`), 'none' (plain strokes), or the path of a painting.")
@click.option("-o", "--output", "outputs", multiple=True, metavar="FILE",
              help=f"Output file; the format follows the extension ({', '.join(FORMATS)}). Repeatable. "
                   "Default: PHOTO-painted.png, .svg and .json in the current directory.")
@click.option("--strokes", type=click.IntRange(1, 100_000), default=None,
              help=f"Number of strokes.  [default: the style's ({DEFAULT_STROKES} for 'none' at {DEFAULT_SIZE} px), "
                   "scaled with --size]")
@click.option("--size", type=click.IntRange(16, 4096), default=None,
              help="Working size: the longer side in pixels that the optimizer sees.  [default: a quarter of the "
                   f"output size, {WORK_SIZE_RANGE[0]} to {WORK_SIZE_RANGE[1]}, at least the style's size and "
                   "enough for a face to be 80 px]")
@click.option("--output-size", type=_Size(), default=None, metavar="PX|SIZE",
              help="Size of the outputs: the longer side in pixels, a length of it (30cm, 12in, 297mm) or a paper "
                   "(a4, a3, letter ...; the picture fitted on the page, white margins) at --dpi; the strokes "
                   f"are vectors, drawn sharp at any size.  [default: the photo's own, at most {MAX_OUTPUT_SIZE}; "
                   f"animations at most {MAX_ANIMATION_SIZE}]")
@click.option("--steps", type=click.IntRange(0, 100_000), default=DEFAULT_STEPS, show_default=True,
              help="Optimization steps over all layers and the final polish.")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=0, show_default=True, help="Random seed.")
@click.option("--style-weight", type=click.FloatRange(0), default=None,
              help="Weight of the VGG style (Gram) loss.  [default: the style's]")
@click.option("--content-weight", type=click.FloatRange(0), default=None,
              help="Weight of the VGG content loss.  [default: the style's]")
@click.option("--preserve-color", is_flag=True, help="Keep the photo's colours; take only the style's texture.")
@click.option("--style-scale", type=click.FloatRange(0.05, 8.0), default=1.0, show_default=True,
              help="Size of the style image relative to the canvas (texture scale).")
@click.option("--weights", type=click.Path(dir_okay=False, path_type=str), default=None, metavar="FILE",
              help="VGG19 weights file (else $PAINTER_VGG_WEIGHTS or the torch hub cache; never downloaded: "
                   "see `painter weights`).")
@click.option("--checkpoint-every", type=click.IntRange(0), default=0, show_default=True, metavar="N",
              help="Also save a checkpoint every N steps (0: only on Ctrl-C/SIGTERM). It is written next to the "
                   "first output (OUTPUT.ckpt) and removed when the run completes.")
@click.option("--resume", type=click.Path(dir_okay=False, path_type=str), default=None, metavar="CHECKPOINT",
              help="Go on from the checkpoint of an interrupted run (same PHOTO and options).")
@_print_options
@_material_option("the style's")
@_device_option
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def paint(ctx, photo, style, outputs, strokes, size, output_size, steps, seed, style_weight, content_weight,
          preserve_color, style_scale, weights, checkpoint_every, resume, dpi, quality, material, device,
          quiet) -> None:
    """Paint PHOTO with brushstrokes.

    Ctrl-C (or SIGTERM) finishes the step under way, saves a checkpoint next to the
    first output and exits with status 130; run the same command with --resume
    CHECKPOINT to go on.
    """
    _check_style(style)
    mat = _check_material(material)
    asked = _output_size(output_size, dpi, "--output-size")
    if not outputs:
        stem = Path(photo).stem or "painting"
        outputs = tuple(f"{stem}-painted{ext}" for ext in (".png", ".svg", ".json"))
    paths = _check_outputs(outputs, (photo,))
    if weights is not None and not Path(weights).is_file():
        _fail(f"{weights}: no such weights file")
    if resume is not None and not Path(resume).is_file():
        _fail(f"{resume}: no such checkpoint file")
    from .engine.checkpoint import Interrupted
    from .engine.detail import least_size
    from .engine.run import paint as run_paint
    from .engine.run import resolve_device
    from .export import export, export_all
    from .export.prints import PrintSize, parse_size, picture_longer
    from .image.io import load_image

    st = _load_style(style)
    ckpt = paths[0].with_suffix(".ckpt")
    dev = resolve_device(device)
    image = load_image(photo)
    canvas = (image.shape[2], image.shape[1])
    asked_px = picture_longer(canvas, asked) if isinstance(asked, PrintSize) else asked
    out_size, size = run_sizes(max(image.shape[1:]), size, least_size(image, st.size), asked_px)
    printed = asked if asked is not None else parse_size(out_size, dpi)
    try:
        result = run_paint(image, style=st, strokes=strokes, size=size, steps=steps, seed=seed, device=dev,
                           style_weight=style_weight, content_weight=content_weight, preserve_color=preserve_color,
                           style_scale=style_scale, weights=weights, progress=not quiet, checkpoint=ckpt,
                           checkpoint_every=checkpoint_every, resume=resume,
                           notice=(lambda m: None) if quiet else None)
    except Interrupted as e:
        click.echo(f"painter: {e}; resume with: {_resume_command(ctx, e.checkpoint)}", err=True)
        sys.exit(EXIT_INTERRUPTED)
    result.strokes.meta["input"] = Path(photo).name
    result.strokes.meta["output_size"] = out_size
    result.strokes.meta["options"] = _recorded_options(ctx)
    if mat is not None:
        from .materials import describe

        result.strokes.meta["material"] = describe(mat)
    animations = [p for p in paths if p.suffix.lower() in (".gif", ".mp4")]
    for p in animations:
        export(result.strokes, p, size=min(out_size, asked_px or MAX_ANIMATION_SIZE))
    at_work = out_size == max(result.image.shape[1:])  # the picture already drawn (flat), at the working size
    export_all(result.strokes, [p for p in paths if p not in animations], printed,
               result.image if at_work else None, quality=quality)
    ckpt.unlink(missing_ok=True)  # the run is complete: its checkpoint is of no more use
    if not quiet:
        click.echo(f"painted {len(result.strokes)} strokes ({st.name}), PSNR {result.psnr:.2f} dB -> "
                   + ", ".join(str(p) for p in paths), err=True)


def _style_from_painting(painting: str, output: str | None, quiet: bool) -> None:
    """``painter styles --from PAINTING [-o FILE.toml]``."""
    if output is not None:
        _check_outputs((output,), (painting,), (".toml",), "presets")
    from .image.io import atomic_write_bytes, load_image
    from .style.analyze import preset, to_toml

    d = preset(load_image(painting), Path(painting).stem, f"the style of {Path(painting).name}, measured")
    # the painting itself stays the preset's style image (its texture and colours), named
    # relative to where the preset is written (absolute on stdout: it may go anywhere)
    art = Path(painting).resolve()
    d["exemplar"] = {"image": os.path.relpath(art, Path(output).resolve().parent) if output else str(art)}
    text = to_toml(d)
    if output is None:
        click.echo(text, nl=False)
        return
    atomic_write_bytes(output, text.encode("utf-8"))
    if not quiet:
        click.echo(f"wrote {output} (use it with --style {output})", err=True)


def _recorded_options(ctx: click.Context) -> dict:
    """Every option of the command as run (defaults included), for the output's metadata."""
    skip = {"outputs", "quiet", "resume", "checkpoint_every"}
    return {k: v for k, v in ctx.params.items() if k not in skip}


def _resume_command(ctx: click.Context, checkpoint) -> str:
    """The command line that goes on from ``checkpoint``: this one, with --resume."""
    import shlex

    args = list(ctx.obj.get("argv", []))
    for i, a in enumerate(args):
        if a == "--resume" and i + 1 < len(args):
            del args[i:i + 2]
            break
        if a.startswith("--resume="):
            del args[i]
            break
    return shlex.join(["painter", *args, "--resume", str(checkpoint)])


def _check_style(name: str) -> None:
    """``--style``: an unknown name is a usage error, found without importing torch."""
    from .style.presets import StyleError, find_style

    try:
        find_style(name)
    except StyleError as e:
        raise click.BadParameter(str(e), param_hint="'--style'") from None


def _load_style(name: str):
    """The Style for a checked ``--style``: an unreadable style file or image is an input error."""
    from .style.styles import StyleError, load_style

    try:
        return load_style(name)
    except StyleError as e:
        _fail(str(e))


@cli.command()
@click.argument("image", type=click.Path(dir_okay=True, path_type=str))
@click.option("-o", "--output", "outputs", multiple=True, metavar="FILE",
              help="Output file: .svg (vector art), .png (its picture), .json (path file). Repeatable. "
                   "Default: IMAGE-traced.svg in the current directory.")
@click.option("--mode", type=click.Choice(["bw", "color"]), default="color", show_default=True,
              help="bw: one ink on white; color: stacked colour layers.")
@click.option("--colors", type=click.IntRange(1, 256), default=16, show_default=True,
              help="Number of inks (color mode), found by k-means in CIELAB.")
@click.option("--threshold", type=click.FloatRange(0, 1), default=None,
              help="Luminance in [0,1] below which a pixel is ink (bw mode).  [default: Otsu]")
@click.option("--invert", is_flag=True, help="Trace the light pixels instead of the dark ones (bw mode).")
@click.option("--prefilter", is_flag=True,
              help="Edge-preserving smoothing before quantizing (color mode): fewer specks, smaller files.")
@click.option("--size", type=click.IntRange(8, 8192), default=None,
              help="Working size: the longer side in pixels.  [default: the image's own]")
@click.option("--turdsize", type=click.IntRange(0), default=2, show_default=True,
              help="Potrace: suppress speckles of up to this many pixels.")
@click.option("--alphamax", type=click.FloatRange(0, 1.3334), default=1.0, show_default=True,
              help="Potrace: corner threshold (0: polygons, 1.3334: no corners).")
@click.option("--opttolerance", type=click.FloatRange(0), default=0.2, show_default=True,
              help="Potrace: curve optimization tolerance.")
@click.option("--turnpolicy", type=click.Choice(["black", "white", "left", "right", "minority", "majority", "random"]),
              default="minority", show_default=True, help="Potrace: how to resolve ambiguous turns.")
@click.option("--no-opticurve", is_flag=True, help="Potrace: do not join curves (more, exact curves).")
@click.option("--refine", type=click.IntRange(0, 100_000), default=0, show_default=True, metavar="STEPS",
              help="Optimize every control point and colour against the image for STEPS steps.")
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=0, show_default=True, help="Random seed (k-means).")
@_device_option
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary.")
@click.pass_context
def trace(ctx, image, outputs, mode, colors, threshold, invert, prefilter, size, turdsize, alphamax, opttolerance,
          turnpolicy, no_opticurve, refine, seed, device, quiet) -> None:
    """Trace IMAGE into flat vector art (Potrace), optionally refined."""
    if not outputs:
        outputs = (f"{Path(image).stem or 'image'}-traced.svg",)
    paths = _check_outputs(outputs, (image,), (".svg", ".pdf", ".png", ".jpg", ".jpeg", ".webp", ".json"),
                           "traced art")
    options = dict(mode=mode, colors=colors, threshold=threshold, invert=invert, prefilter=prefilter, size=size,
                   turdsize=turdsize, alphamax=alphamax, opticurve=not no_opticurve, opttolerance=opttolerance,
                   turnpolicy=turnpolicy, seed=seed)
    if refine or any(p.suffix.lower() != ".svg" for p in paths):  # the renderer's work: torch
        from .engine.run import resolve_device
        from .export import export as write
        from .trace import trace as run_trace

        result = run_trace(image, refine=refine, device=resolve_device(device), progress=not quiet, **options)
    else:  # SVG only: numpy and Potrace, torch never loaded
        from .export.svgdoc import save_paths_svg as write
        from .trace import trace_art

        result = trace_art(image, **options)
    result.meta["input"] = Path(image).name
    result.meta["options"] = _recorded_options(ctx)
    for p in paths:
        write(result, p)
    if not quiet:
        extra = ""
        if "psnr_refined" in result.meta:
            extra = f", PSNR {result.meta['psnr_traced']:.2f} -> {result.meta['psnr_refined']:.2f} dB"
        click.echo(f"traced {len(result)} layers, {result.points.shape[0]} curves{extra} -> "
                   + ", ".join(str(p) for p in paths), err=True)


@cli.command()
@click.option("--sheet", type=click.Path(dir_okay=False, path_type=str), default=None, metavar="SHEET.png",
              help="Paint PHOTO in every preset and save the labelled contact sheet here.")
@click.argument("photo", required=False, type=click.Path(dir_okay=True, path_type=str))
@click.option("--size", type=click.IntRange(32, 1024), default=DEFAULT_SIZE, show_default=True,
              help="Working size of each painting on the sheet.")
@click.option("--steps", type=click.IntRange(0, 100_000), default=DEFAULT_STEPS, show_default=True)
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=0, show_default=True)
@click.option("--weights", type=click.Path(dir_okay=False, path_type=str), default=None, metavar="FILE",
              help="VGG19 weights file.")
@click.option("--from", "painting", type=click.Path(dir_okay=True, path_type=str), default=None, metavar="PAINTING",
              help="Measure PAINTING's style and write it as an editable preset (TOML; to -o, else to stdout).")
@click.option("-o", "--output", default=None, metavar="FILE.toml", help="Where --from writes the preset.")
@_device_option
@click.option("-q", "--quiet", is_flag=True)
def styles(sheet, photo, size, steps, seed, weights, painting, output, device, quiet) -> None:
    """List the built-in styles, paint PHOTO in each of them (--sheet), or take a
    style from a painting (--from)."""
    if painting is not None:
        if sheet is not None or photo is not None:
            raise click.UsageError("--from takes no PHOTO and no --sheet: it measures one painting")
        _style_from_painting(painting, output, quiet)
        return
    if output is not None:
        raise click.UsageError("-o is only used with --from")
    if sheet is None:
        if photo is not None:
            raise click.UsageError("PHOTO is only used with --sheet")
        from .style.presets import describe_presets

        presets = describe_presets()
        width = max(len(name) for name, _ in presets)
        for name, description in presets:
            click.echo(f"{name:<{width}}  {description}")
        return
    if photo is None:
        raise click.UsageError("--sheet needs a PHOTO to paint")
    from .engine.run import paint as run_paint
    from .engine.run import resolve_device
    from .export.sheet import contact_sheet
    from .image.io import load_image, save_png
    from .style.styles import list_styles

    (path,) = _check_outputs((sheet,), (photo,))
    if path.suffix.lower() != ".png":
        raise click.UsageError(f"{sheet}: the contact sheet is a .png")
    dev = resolve_device(device)
    image = load_image(photo)
    tiles = [("photo", load_image(photo, size=size))]
    notes: set[str] = set()

    def notice(msg: str) -> None:  # say it once, not once per style; nothing under -q
        if msg not in notes and not quiet:
            notes.add(msg)
            click.echo(msg, err=True)

    for st in list_styles():
        r = run_paint(image, style=st, size=size, steps=steps, seed=seed, device=dev, weights=weights, notice=notice)
        tiles.append((st.name, r.image.cpu()))
        if not quiet:
            click.echo(f"{st.name}: {len(r.strokes)} strokes", err=True)
    save_png(contact_sheet(tiles), path)
    if not quiet:
        click.echo(f"wrote {path}", err=True)


@cli.group("weights", invoke_without_command=True, short_help="VGG19 weights: where they are; fetch them.")
@click.pass_context
def weights_group(ctx: click.Context) -> None:
    """The VGG19 weights of the neural style loss: where they are, or fetch them.

    Alone (or `painter weights status`): which weights `painter paint` uses, or where
    `painter weights fetch` would put them. Painting never downloads anything; without
    weights the presets paint without the neural style loss.
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(weights_status)


@weights_group.command("status", short_help="Say where the VGG19 weights are.")
def weights_status() -> None:
    """Say where the VGG19 weights are ($PAINTER_VGG_WEIGHTS, else the torch hub
    cache), or that there are none and where `fetch` puts them (exit status 0 either
    way; 1 when $PAINTER_VGG_WEIGHTS names no file). Only looks: the file is read when
    a painting uses it."""
    from .style.weights import find_weights, hub_weights_path

    found = find_weights()
    if found is None:
        click.echo(f"VGG19 weights: not found; `painter weights fetch` downloads them (548 MB) to {hub_weights_path()}")
        return
    path, how = found
    if not path.is_file():
        _fail(f"{path}: no such VGG19 weights file ({how})")
    click.echo(f"VGG19 weights: {path} ({how})")


@weights_group.command("fetch", short_help="Download the VGG19 weights (548 MB, checked).")
@click.option("--url", default=None, metavar="URL",
              help="Where to download from; its file name must carry the start of its SHA-256 (NAME-<hex>.pth).  "
                   "[default: torchvision's VGG19 ImageNet weights, 548 MB]")
@click.option("--force", is_flag=True, help="Download even when a good file is already there.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary.")
def weights_fetch(url, force, quiet) -> None:
    """Download the VGG19 weights into the torch hub cache, where painter and
    torchvision find them ($TORCH_HOME/hub/checkpoints/, under the URL's file name).

    The file is checked against the SHA-256 prefix in its name and only then moved
    into place: a failed or interrupted download leaves nothing behind. A good file
    already there is kept.
    """
    from .style.weights import WEIGHTS_URL, FetchError, fetch_weights, verified, weights_destination

    url = url or WEIGHTS_URL
    try:
        dest = weights_destination(url)
        if not force and verified(dest):
            if not quiet:
                click.echo(f"{dest}: already there, checksum good; nothing to do", err=True)
            return
        fetch_weights(url, progress=not quiet)
    except FetchError as e:
        _fail(str(e))
    if not quiet:
        click.echo(f"fetched {dest}", err=True)


@cli.command()
@click.argument("strokes_file", metavar="STROKES.json", type=click.Path(dir_okay=True, path_type=str))
@click.option("-o", "--output", "outputs", multiple=True, required=True, metavar="FILE",
              help="Output file (.png, .jpg, .webp, .svg or .pdf; .json re-saves the strokes). Repeatable.")
@click.option("--size", type=_Size(), default=None, metavar="PX|SIZE",
              help="The longer side in pixels, a length of it (30cm, 12in) or a paper (a4, a3 ...) at --dpi.  "
                   "[default: the painting's output size (the photo's own), else the size it was painted at]")
@click.option("--background", default=None, metavar="COLOR|IMAGE",
              help="Background colour (#rrggbb or a name) or picture file; default: the painting's own colour.")
@click.option("--layers", default=None, metavar="0,1,...",
              help="Draw only these layers (0 = coarsest; in a path file, the colour layers from the bottom).")
@_print_options
@_material_option("the painting's own, else flat")
@_device_option
def render(strokes_file, outputs, size, background, layers, dpi, quality, material, device) -> None:
    """Re-render a stroke file (or a traced path file) at any size: vectors, no upscaling blur."""
    from .engine.run import resolve_device
    from .export import export_all
    from .export.prints import parse_size
    from .export.svgdoc import default_size
    from .primitives.strokes import StrokeSet

    mat = _check_material(material)
    asked = _output_size(size, dpi, "--size")
    paths = _check_outputs(outputs, (strokes_file,))
    bg = _parse_background(background)
    strokes = _load_art(strokes_file).to(resolve_device(device))
    if asked is None and dpi is not None:
        asked = parse_size(default_size(strokes), dpi)
    if layers is not None:
        try:
            wanted = [int(v) for v in layers.split(",") if v.strip()]
        except ValueError:
            raise click.BadParameter(f"{layers!r} is not a list of layer numbers like 0,2", param_hint="'--layers'") from None
        if isinstance(strokes, StrokeSet):
            strokes = strokes.select_layers(wanted)
        elif any(not 0 <= i < len(strokes) for i in wanted):
            raise click.BadParameter(f"a path file has layers 0 to {len(strokes) - 1}", param_hint="'--layers'")
        else:
            strokes = strokes[wanted]
    _check_own_material(strokes_file, strokes, mat)
    export_all(strokes, paths, asked, background=bg, material=mat, quality=quality)


@cli.command()
@click.argument("strokes_file", metavar="STROKES.json", type=click.Path(dir_okay=True, path_type=str))
@click.option("-o", "--output", "outputs", multiple=True, required=True, metavar="FILE",
              help="Output animation: .gif, .mp4, or .svg (strokes draw themselves in a browser). Repeatable.")
@click.option("--fps", type=click.FloatRange(1, 60), default=12, show_default=True, help="Frames per second.")
@click.option("--seconds", type=click.FloatRange(0.5, 600), default=4.0, show_default=True,
              help="Length of the painting part (before the hold).")
@click.option("--strokes-per-frame", type=click.IntRange(1), default=None,
              help="Strokes added per frame (instead of --seconds).")
@click.option("--hold", type=click.FloatRange(0, 60), default=1.5, show_default=True,
              help="Seconds on the finished painting.")
@click.option("--size", type=click.IntRange(16, 4096), default=None,
              help=f"Longer side in pixels.  [default: the painting's output size, at most {MAX_ANIMATION_SIZE}]")
@click.option("--loop", type=click.IntRange(0), default=0, show_default=True, help="Repeats (0: forever).")
@click.option("--background", default=None, metavar="COLOR|IMAGE",
              help="Background colour or picture file; default: the painting's own colour.")
@_material_option("the painting's own, else flat")
def animate(strokes_file, outputs, fps, seconds, strokes_per_frame, hold, size, loop, background, material) -> None:
    """Animate a stroke file: the painting appears stroke by stroke, layer by layer."""
    from .export.animate import frame_size, save_gif, save_mp4
    from .export.svg import save_svg

    mat = _check_material(material)
    paths = _check_outputs(outputs, (strokes_file,), (".gif", ".mp4", ".svg"), "animations")
    bg = _parse_background(background)
    strokes = _load_art(strokes_file)
    _check_own_material(strokes_file, strokes, mat)
    for p in paths:
        if p.suffix.lower() == ".svg":
            spf = strokes_per_frame
            length = seconds if spf is None else len(strokes) / spf / fps
            save_svg(strokes, p, size=max(frame_size(strokes, size)), background=bg, animate=length, material=mat)
            continue
        timing = dict(size=size, fps=fps, seconds=seconds, strokes_per_frame=strokes_per_frame, hold=hold, background=bg,
                      material=mat)
        if p.suffix.lower() == ".gif":
            save_gif(strokes, p, loop=loop, **timing)
        else:
            save_mp4(strokes, p, **timing)


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...", type=click.Path(path_type=str))
@click.option("-o", "--output", "out_dir", required=True, metavar="OUT_DIR", type=click.Path(path_type=str),
              help="Folder for the outputs: OUT_DIR/<path relative to its input>.<format>.")
@click.option("--format", "formats", default="png", show_default=True, metavar="png,jpg,svg,pdf,json,...",
              help="Comma-separated output formats, one file each per image.")
@click.option("--style", default="none", show_default=True, help="Preset name, painting, or preset file.")
@click.option("--strokes", type=click.IntRange(1, 100_000), default=None, help="Stroke count. [default: the style's]")
@click.option("--size", type=click.IntRange(16, 4096), default=None, metavar="PX",
              help="Working size. [default: as painter paint]")
@click.option("--steps", type=click.IntRange(0, 100_000), default=DEFAULT_STEPS, show_default=True,
              help="Optimization steps per image.")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=0, show_default=True, help="Random seed.")
@_material_option("the style's")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Images painted at once, each in its own process on one core.  [default: the machine's cores]")
@click.option("--ray", "ray_address", default=None, metavar="ADDRESS|auto",
              help="Run on a Ray cluster (pip install painter[cluster]); auto starts a local one.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def batch(inputs, out_dir, formats, style, strokes, size, steps, seed, material, workers, ray_address, quiet) -> None:
    """Paint every image of INPUT... (files, folders, text files listing paths).

    Images whose outputs all exist are skipped, so the same command goes on where an
    interrupted run stopped. Exit status 1 when any image failed (they are named,
    and listed in OUT_DIR/failures.json).
    """
    _check_style(style)
    mat = _check_material(material)
    fmts = tuple(f.strip().lower().lstrip(".") for f in formats.split(",") if f.strip())
    for f in fmts:
        if "." + f not in FORMATS:
            raise click.BadParameter(f"{f!r} is not a format; use {', '.join(e[1:] for e in sorted(FORMATS))}",
                                     param_hint="'--format'")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        _fail(f"{out}: is a file, not a folder")
    from .batch import batch as run_batch

    options = dict(style=style, strokes=strokes, size=size, steps=steps, seed=seed)
    if mat is not None:
        options["material"] = material
    try:
        summary = run_batch(list(inputs), out, formats=fmts or ("png",), workers=workers or os.cpu_count() or 1,
                            ray=ray_address, progress=not quiet, **options)
    except ValueError as e:
        _fail(str(e))
    for name, why in sorted(summary.failed.items()):
        click.echo(f"painter: failed: {name}: {why}", err=True)
    if not quiet or summary.failed:
        click.echo(f"painter: {summary.line()} -> {out}", err=True)
    if summary.failed:
        sys.exit(EXIT_INPUT)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (loopback: this machine only; 0.0.0.0: every network).")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True, help="Port to listen on.")
@click.option("--no-open", is_flag=True, help="Do not open the browser.")
@click.option("--data", type=click.Path(file_okay=False, path_type=str), default=None, metavar="DIR",
              help="Folder for the jobs and their results. [default: ~/.painter/studio]")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Jobs that paint at once (each in its own process).")
@click.option("--token", default=None, envvar="PAINTER_STUDIO_TOKEN", metavar="TEXT", callback=_token_text,
              help="The token every request must carry (in the printed URL, then a cookie); prefer the "
                   "environment variable, which other users cannot read in the process list. "
                   "[default: a new random one; env PAINTER_STUDIO_TOKEN]")
@click.option("--no-token", is_flag=True,
              help="Ask for no token: anyone who can reach the address can use the studio.")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME", callback=_host_names,
              help="Also answer requests for this host name (a proxy's, or a name of this machine); repeatable.")
@click.option("--request-timeout", type=click.FloatRange(0.1, 3600), default=STUDIO_REQUEST_SECONDS, show_default=True,
              metavar="SECONDS", help="Seconds a client has to send a request's headers; its body must then come "
                                      "at 64 KB/s or more. Slower connections are closed.")
@click.option("--max-connections", type=click.IntRange(1, 100000), default=STUDIO_MAX_CONNECTIONS, show_default=True,
              help="Open connections at once; more are answered 503.")
@click.option("--max-streams", type=click.IntRange(1, 100000), default=STUDIO_MAX_STREAMS, show_default=True,
              help="Open event streams (pages watching a job) at once; more are answered 503.")
@click.option("--max-pixels", type=click.IntRange(1, 10**9), default=STUDIO_MAX_PIXELS, show_default=True,
              help="The largest photo a job takes, in pixels (read from its header); larger uploads are 413.")
@click.option("--worker-memory", default="auto", show_default=True, metavar="AMOUNT", callback=_memory_amount,
              help="Memory each job's worker may hold (2G, 1500M; auto: 3/4 of this machine's memory shared "
                   "among the workers; none: no limit). A job that needs more fails; the rest go on.")
def studio(host, port, no_open, data, workers, token, no_token, allow_hosts, request_timeout, max_connections,
           max_streams, max_pixels, worker_memory) -> None:
    """The web app: paint and trace photos in the browser, watch the strokes go down.

    Ctrl-C stops it; paintings under way are checkpointed and resume at the next start.
    It answers only its own host names and pages, and asks for a token (printed in the
    URL it opens) as Jupyter does.
    """
    import socket

    from .studio import DEFAULT_DATA, serve
    from .studio.guard import is_loopback, new_token
    from .studio.limits import Limits, default_worker_memory

    from click.core import ParameterSource

    if no_token and token and click.get_current_context().get_parameter_source("token") != ParameterSource.ENVIRONMENT:
        _fail("--token and --no-token contradict each other: give one")
    if no_token:
        token = None
    elif token is None:
        token = new_token()
    elif not token.strip():
        if not is_loopback(host):
            _fail(f"listening on {host} with no token lets anyone on the network use the studio; "
                  "give a --token, or --no-token to do so anyway")
        token = None

    folder = Path(data).expanduser() if data else DEFAULT_DATA
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        _fail(f"{folder}: cannot create the data folder ({e.strerror or e})")
    if not _writable(folder):
        _fail(f"{folder}: the data folder is not writable")
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
        except OSError as e:
            _fail(f"cannot listen on {host}:{port} ({e.strerror or e}); try another --port")
    if token is None and not is_loopback(host):
        click.echo(f"painter: warning: no token on {host}: anyone who can reach port {port} can use the studio",
                   err=True)
    limits = Limits(request_seconds=request_timeout, max_connections=max_connections, max_streams=max_streams,
                    max_pixels=max_pixels, worker_memory={"auto": default_worker_memory(workers),
                                                          "none": None}.get(worker_memory, worker_memory))
    serve(host, port, folder, workers=workers, open_browser=not no_open,
          announce=lambda m: click.echo(m, err=True), token=token, allow_hosts=allow_hosts, limits=limits)


def _check_own_material(path: str, strokes, mat) -> None:
    """A stroke file whose recorded material is not one painter knows is an input
    error (unless ``--material`` replaces it)."""
    from .materials import MaterialError, resolve

    if mat is None:
        try:
            resolve(None, strokes)
        except MaterialError as e:
            _fail(f"{path}: {e}")


def _load_art(path: str):
    """A stroke file (StrokeSet) or a path file (PathSet, from `painter trace`)."""
    from .export import load_art
    from .primitives.paths import PathFileError
    from .primitives.strokes import StrokeFileError

    p = Path(path)
    if not p.exists():
        _fail(f"{path}: no such file")
    if p.is_dir():
        _fail(f"{path}: is a directory, not a stroke file")
    try:
        return load_art(p)
    except (StrokeFileError, PathFileError) as e:
        _fail(f"{path}: {e}")


def _parse_background(text: str | None):
    """``--background``: None, a picture file ([3,H,W] tensor) or a colour."""
    if text is None:
        return None
    if Path(text).is_file():
        from .image.io import load_image

        return load_image(text)
    return _parse_colour(text)


def _parse_colour(text: str) -> tuple[float, float, float]:
    from PIL import ImageColor

    try:
        rgb = ImageColor.getrgb(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a colour (use #rrggbb or a name)", param_hint="'--background'") from None
    return tuple(c / 255.0 for c in rgb[:3])  # type: ignore[return-value]


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI with one-line errors and meaningful exit codes."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="painter", standalone_mode=False, obj={"argv": list(args)})
    except click.exceptions.Abort:
        click.echo("painter: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except KeyboardInterrupt:
        click.echo("painter: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as e:
        if debug:
            raise
        code = e.exit_code if isinstance(e, UserError) else EXIT_USAGE
        click.echo(f"painter: error: {_one_line(e.format_message())}", err=True)
        sys.exit(code)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except Exception as e:  # noqa: BLE001 - every failure becomes one line
        if debug:
            raise
        # bad input (io.InputError), unreadable files, or a failure of our own: all exit 1
        click.echo(f"painter: error: {_one_line(str(e)) or type(e).__name__}", err=True)
        sys.exit(EXIT_INPUT)


def _one_line(s: str) -> str:
    return " ".join(s.split())


if __name__ == "__main__":
    main()
