# HotspotWatch — the two commands a new user needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
DEMO_DIR ?= demo
PYTEST_ARGS ?=

.PHONY: install demo test lint typecheck bench clean qgis-plugin install-qgis-plugin

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "HotspotWatch needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project's dependency list changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

$(NPM_STAMP): $(wildcard package.json package-lock.json)
	@if [ -f package.json ]; then \
		if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; \
		else npm install --no-audit --no-fund --loglevel=error; fi; \
		mkdir -p node_modules && touch $(NPM_STAMP); \
	else mkdir -p node_modules && touch $(NPM_STAMP); fi

install: $(STAMP) $(NPM_STAMP)

demo: install
	$(BIN)/hotspotwatch demo $(DEMO_DIR) $(DEMO_ARGS)

test: install
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests bench qgis
	$(BIN)/mypy src
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy src

bench: install
	@for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

# The QGIS plugin (Processing provider `hotspotwatch`): a zip for Plugins -> Install from ZIP,
# and its installation (enabled) in the default QGIS profile, as .ci/run does before `make test`.
QGIS_PLUGIN_ZIP := dist/hotspotwatch-qgis.zip

qgis-plugin: $(QGIS_PLUGIN_ZIP)

$(QGIS_PLUGIN_ZIP): $(wildcard qgis/hotspotwatch/*)
	@mkdir -p $(dir $@)
	@rm -f $@
	cd qgis && python3 -c 'import sys, zipfile, pathlib; z = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED); [z.write(p, p.as_posix()) for p in sorted(pathlib.Path("hotspotwatch").rglob("*")) if p.is_file() and "__pycache__" not in p.parts]; z.close()' $(abspath $@)
	@echo "wrote $@"

install-qgis-plugin: $(QGIS_PLUGIN_ZIP)
	python3 qgis/install_plugin.py --zip $(QGIS_PLUGIN_ZIP)

clean:
	rm -rf $(VENV) node_modules $(DEMO_DIR) dist .pytest_cache .mypy_cache .ruff_cache
