"""The ``painter`` command line: one command per verb, thin over the Python API.

Errors are one line on stderr (``painter: error: ...``) with exit status 1 for bad
input and 2 for bad usage; ``--debug`` shows the traceback instead.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from .export import FORMATS, check_output_path
from .paint import DEFAULT_SIZE, DEFAULT_STEPS, DEFAULT_STROKES

EXIT_INPUT, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130


class UserError(click.ClickException):
    exit_code = EXIT_INPUT


def _fail(msg: str) -> None:
    raise UserError(msg)


def _check_outputs(outputs: tuple[str, ...], inputs: tuple[str, ...]) -> list[Path]:
    """Validate output paths before any work: format, directory, not an input."""
    paths = []
    in_real = {os.path.realpath(p) for p in inputs}
    for o in outputs:
        try:
            check_output_path(o)
        except ValueError as e:
            raise click.UsageError(str(e)) from None
        p = Path(o)
        parent = p.parent if str(p.parent) else Path(".")
        if not parent.is_dir():
            _fail(f"{o}: output directory {str(parent)!r} does not exist")
        if not os.access(parent, os.W_OK):
            _fail(f"{o}: output directory {str(parent)!r} is not writable")
        if p.is_dir():
            _fail(f"{o}: is a directory")
        if os.path.realpath(o) in in_real:
            _fail(f"{o}: output would overwrite the input")
        paths.append(p)
    return paths


def _device_option(f):
    return click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True,
                        help="Where to compute: CUDA when present, else CPU.")(f)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="painter")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Turn photos into paintings made of real vector brushstrokes."""
    ctx.obj = {"debug": debug}


@cli.command()
@click.argument("photo", type=click.Path(dir_okay=True, path_type=str))
@click.option("--style", default="none", show_default=True, help="Painting style ('none': plain strokes, pixel losses).")
@click.option("-o", "--output", "outputs", multiple=True, metavar="FILE",
              help=f"Output file; the format follows the extension ({', '.join(FORMATS)}). Repeatable. "
                   "Default: PHOTO-painted.png, .svg and .json in the current directory.")
@click.option("--strokes", type=click.IntRange(1, 100_000), default=DEFAULT_STROKES, show_default=True,
              help="Number of strokes.")
@click.option("--size", type=click.IntRange(16, 4096), default=DEFAULT_SIZE, show_default=True,
              help="Working size: the longer side in pixels (outputs are drawn at this size).")
@click.option("--steps", type=click.IntRange(0, 100_000), default=DEFAULT_STEPS, show_default=True,
              help="Optimization steps over all layers.")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=0, show_default=True, help="Random seed.")
@_device_option
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def paint(photo, style, outputs, strokes, size, steps, seed, device, quiet) -> None:
    """Paint PHOTO with brushstrokes."""
    from .export import export
    from .io import load_image
    from .paint import paint as run_paint
    from .paint import resolve_device

    if style != "none":
        raise click.BadParameter(f"unknown style {style!r}; available: none", param_hint="'--style'")
    if not outputs:
        stem = Path(photo).stem or "painting"
        outputs = tuple(f"{stem}-painted{ext}" for ext in (".png", ".svg", ".json"))
    paths = _check_outputs(outputs, (photo,))
    dev = resolve_device(device)
    image = load_image(photo)
    result = run_paint(image, style=style, strokes=strokes, size=size, steps=steps, seed=seed,
                             device=dev, progress=not quiet)
    result.strokes.meta["input"] = Path(photo).name
    for p in paths:
        export(result.strokes, p, image=result.image)
    if not quiet:
        click.echo(f"painted {len(result.strokes)} strokes, PSNR {result.psnr:.2f} dB -> "
                   + ", ".join(str(p) for p in paths), err=True)


@cli.command()
@click.argument("strokes_file", metavar="STROKES.json", type=click.Path(dir_okay=True, path_type=str))
@click.option("-o", "--output", "outputs", multiple=True, required=True, metavar="FILE",
              help="Output file (.png or .svg; .json re-saves the strokes). Repeatable.")
@click.option("--size", type=click.IntRange(1, 16384), default=None,
              help="Longer side in pixels. Default: the size the strokes were painted at.")
@click.option("--background", default=None, metavar="COLOR",
              help="Background colour (#rrggbb or a name); default: the painting's own.")
@_device_option
def render(strokes_file, outputs, size, background, device) -> None:
    """Re-render a stroke file at any size (vectors: no upscaling blur)."""
    from .export import export
    from .paint import resolve_device
    from .strokes import StrokeSet

    paths = _check_outputs(outputs, (strokes_file,))
    bg = _parse_colour(background) if background else None
    strokes = _load_strokes(strokes_file).to(resolve_device(device))
    for p in paths:
        export(strokes, p, size=size, background=bg)


def _load_strokes(path: str):
    from .strokes import StrokeFileError, StrokeSet

    p = Path(path)
    if not p.exists():
        _fail(f"{path}: no such file")
    if p.is_dir():
        _fail(f"{path}: is a directory, not a stroke file")
    try:
        return StrokeSet.load(p)
    except StrokeFileError as e:
        _fail(f"{path}: {e}")


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
        cli.main(args=args, prog_name="painter", standalone_mode=False)
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
        from .io import InputError

        code = EXIT_INPUT if isinstance(e, (InputError, ValueError, OSError)) else 1
        click.echo(f"painter: error: {_one_line(str(e)) or type(e).__name__}", err=True)
        sys.exit(code)


def _one_line(s: str) -> str:
    return " ".join(s.split())


if __name__ == "__main__":
    main()
