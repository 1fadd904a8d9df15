# painter: the two commands are `make demo` and `make test`.
SHELL   := /bin/bash
PY      ?= python3
VENV    := .venv
VPY     := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
SYSPKGS := libpotrace-dev libagg-dev pkg-config libcairo2
TESTPKGS := chromium chromium-driver potrace poppler-utils
# Inkscape draws the materials' SVG filters in a test (its recommends are a desktop's worth)
TESTPKGS_LEAN := inkscape

.PHONY: install demo test test-slow bench gallery clean sysdeps testdeps apt

install: $(STAMP)

# System libraries that pypotrace (the Potrace binding) builds against, cairo (which
# CairoSVG draws PDFs with), and what
# building it needs where this machine lacks it: a C compiler (build-essential), the
# headers of $(PY) (python3-dev) and its venv module (python3-venv).
sysdeps:
	@pkgs="$(SYSPKGS)"; \
	command -v cc >/dev/null 2>&1 && command -v make >/dev/null 2>&1 || pkgs="$$pkgs build-essential"; \
	$(PY) -c "import os, sys, sysconfig; sys.exit(not os.path.isfile(os.path.join(sysconfig.get_paths()['include'], 'Python.h')))" \
	  || pkgs="$$pkgs python3-dev"; \
	$(PY) -c "import ensurepip, venv" >/dev/null 2>&1 || pkgs="$$pkgs python3-venv"; \
	$(MAKE) --no-print-directory apt PKGS="$$pkgs"

# Headless Chromium: the tests check the animated SVG and the studio's page in a real
# browser (chromium-driver: Selenium drives it); Debian's
# potrace command: the tracing benchmark compares curve counts with it; poppler-utils:
# pdftoppm rasterizes the PDFs that tests compare with the PNGs.
testdeps:
	@$(MAKE) --no-print-directory apt PKGS="$(TESTPKGS)"
	@$(MAKE) --no-print-directory apt PKGS="$(TESTPKGS_LEAN)" APTFLAGS=--no-install-recommends

apt:
	@missing=""; for p in $(PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(APTFLAGS) $$missing; \
	fi

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory sysdeps
	test -x $(VPY) || $(PY) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q -e '.[dev,cluster]'
	touch $(STAMP)

# The main job as the README shows it: a photo painted in a preset, as PNG, SVG, the
# stroke file and a GIF of the strokes going down.
DEMO := out/demo
demo: install
	@mkdir -p out
	@$(VPY) examples/demo_photo.py out/astronaut.png >/dev/null
	$(VENV)/bin/painter paint out/astronaut.png --style van_gogh -o $(DEMO).png -o $(DEMO).svg -o $(DEMO).json -o $(DEMO).gif
	@echo "the demo painting is in $(CURDIR)/out/:"
	@for f in $(DEMO).png $(DEMO).svg $(DEMO).json $(DEMO).gif; do echo "  $(CURDIR)/$$f"; done

test: install testdeps
	$(VPY) -m pytest

# slow tests: benchmark smoke runs, the SIGKILL test, batch on a two-node Ray cluster, the wheel check in a fresh venv,
# then the deliberate bugs that the tests must catch (CI runs all this after `make test`)
test-slow: install testdeps
	$(VPY) -m pytest -m slow
	$(VPY) tests/mutants.py

# Every benchmark runs, even after one misses a bar; the summary at the end says which
# passed (each one's output is also kept in out/bench/NAME.log). Exit 1 if any failed.
bench: install testdeps
	@mkdir -p out/bench; set -o pipefail; status=0; summary=""; \
	for f in benchmarks/[a-z]*.py; do n=$$(basename $$f .py); echo "== $$n"; \
	  if $(VPY) $$f 2>&1 | tee out/bench/$$n.log; then r=PASS; else r=FAIL; status=1; fi; \
	  summary="$$summary$$r  $$n  (out/bench/$$n.log)\n"; \
	done; printf "\n== benchmarks\n$$summary"; exit $$status

gallery: install
	$(VPY) examples/gallery.py

clean:
	rm -rf $(VENV) out .pytest_cache
