# tmslab course: `make lab` opens the course, `make test` runs every check.
# Both create the virtual environment first when it is missing or stale.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
ROOT_FLAG := $(shell [ "$$(id -u)" = "0" ] && echo --allow-root)
export TMSLAB_PROGRESS ?= 0

.PHONY: setup lab test unit lessons bench execute lint clean site app browser browser-deps site-assets

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

lab: setup  ## open the course in JupyterLab
	TMSLAB_PROGRESS=1 MPLBACKEND=module://matplotlib_inline.backend_inline \
	  $(VENV)/bin/jupyter lab $(ROOT_FLAG) lessons/00_welcome.ipynb

test: unit lessons browser  ## everything CI runs

unit: setup  ## library tests (no browser)
	$(PY) -m pytest -q tests -m "not browser"

lessons: setup  ## strict nbval: every stored output must be reproduced
	$(PY) -m pytest -q -p no:cacheprovider --nbval --nbval-current-env \
	  --nbval-sanitize-with lessons/nbval-sanitize.cfg lessons

bench: setup  ## tmslab vs a plain PyTorch trainer (not a test)
	$(PY) -m tmslab.bench

execute: setup  ## re-run every lesson top to bottom and store its outputs
	$(PY) scripts/execute_lessons.py lessons/*.ipynb

# --- browser, static site, app mode -------------------------------------------------------
NPM_STAMP := node_modules/.installed-stamp
INLINE_BACKEND := module://matplotlib_inline.backend_inline

site-assets: $(NPM_STAMP)  ## require.js, widget manager, MathJax for the offline site (npm)

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $(NPM_STAMP)

browser-deps: setup site-assets  ## Debian chromium (apt, only when missing) + site assets
	bash scripts/install_browser.sh

site: setup site-assets  ## build the offline static site in _site/ (executes every lesson)
	$(PY) scripts/build_site.py --out _site

app: setup  ## serve the lessons as apps (voila) on http://127.0.0.1:8866
	MPLBACKEND=$(INLINE_BACKEND) $(VENV)/bin/voila --no-browser --Voila.ip=127.0.0.1 --port=8866 lessons

browser: browser-deps  ## JupyterLab, static-site and voila tests in headless chromium
	$(PY) -m pytest -q -p no:cacheprovider -m browser -rs --durations=0 tests/browser

clean:
	rm -rf $(VENV) .pytest_cache
