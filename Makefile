# Two entry points, both from a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Debian packages the tests drive for real, one per line (keeps merges easy):
#   SoftHSM2 (PKCS#11 token); poppler (pdfsig, pdftoppm, pdftotext as outside witnesses);
#   Liberation fonts (Times New Roman metrics); Pango, HarfBuzz-subset and DejaVu fonts for
#   WeasyPrint (reports and specimens as PDF with Vietnamese glyphs; HarfBuzz subsetting is ~15x
#   faster than its fontTools fallback); Tesseract with Vietnamese data reads rendered reports
#   back; LibreOffice Writer turns the typed drafts the tests write into PDFs; Chromium for the
#   browser tests (Playwright drives Debian's build).
APT_PACKAGES := \
	softhsm2 \
	poppler-utils \
	fonts-liberation \
	fonts-liberation2 \
	libpango-1.0-0 \
	libpangoft2-1.0-0 \
	libharfbuzz-subset0 \
	fonts-dejavu-core \
	tesseract-ocr \
	tesseract-ocr-vie \
	libreoffice-writer-nogui \
	chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint system-deps fuzz
FUZZ_SECONDS ?= 120

$(BIN)/edochub: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	touch $@

system-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

demo: system-deps $(BIN)/edochub
	$(BIN)/edochub demo

lint: $(BIN)/edochub
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

test: system-deps $(BIN)/edochub lint
	$(BIN)/pytest

# atheris on each boundary (fuzz/targets.py) for FUZZ_SECONDS each; crashes are written to fuzz/
fuzz: $(BIN)/edochub
	for target in pdf edxml soap vxp; do \
	  PYTHONPATH=. $(BIN)/python -m fuzz.run $$target -max_total_time=$(FUZZ_SECONDS) \
	    -artifact_prefix=fuzz/crash-$$target- || exit 1; \
	done
