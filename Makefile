# painter: the two commands are `make demo` and `make test`.
PY      ?= python3
VENV    := .venv
VPY     := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
SYSPKGS := libpotrace-dev libagg-dev pkg-config
TESTPKGS := chromium potrace

.PHONY: install demo test test-slow bench gallery clean sysdeps testdeps apt

install: $(STAMP)

# System libraries that pypotrace (the Potrace binding) builds against.
sysdeps:
	@$(MAKE) --no-print-directory apt PKGS="$(SYSPKGS)"

# Headless Chromium: the tests check the animated SVG in a real browser; Debian's
# potrace command: the tracing benchmark compares curve counts with it.
testdeps:
	@$(MAKE) --no-print-directory apt PKGS="$(TESTPKGS)"

apt:
	@missing=""; for p in $(PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory sysdeps
	test -x $(VPY) || $(PY) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q -e '.[dev]'
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

# slow tests: benchmark smoke runs and the wheel check in a fresh venv (CI runs them after `make test`)
test-slow: install testdeps
	$(VPY) -m pytest -m slow

bench: install
	@for f in benchmarks/[a-z]*.py; do echo "== $$f"; $(VPY) $$f || exit 1; done

gallery: install
	$(VPY) examples/gallery.py

clean:
	rm -rf $(VENV) out .pytest_cache
