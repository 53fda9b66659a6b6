# tmslab course: `make lab` opens the course, `make test` runs every check.
# Both create the virtual environment first when it is missing or stale.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# One .venv, grown by what a target needs (pinned sets in requirements/): `make lab`
# installs only the learner's set; test, site and app targets add theirs on top.
STAMP := $(VENV)/.installed-stamp
TEST_STAMP := $(VENV)/.installed-test-stamp
SITE_STAMP := $(VENV)/.installed-site-stamp
APP_STAMP := $(VENV)/.installed-app-stamp
PIP_INSTALL := $(PY) -m pip install --quiet --disable-pip-version-check
ROOT_FLAG := $(shell [ "$$(id -u)" = "0" ] && echo --allow-root)
export TMSLAB_PROGRESS ?= 0

.PHONY: setup setup-test lab test unit package sync lessons lessons-baseline bench execute lint clean site app browser browser-deps site-assets

setup: $(STAMP)  ## the learner's environment: requirements/learner.txt + tmslab (editable)

setup-test: $(TEST_STAMP)  ## plus everything `make test` runs (requirements/test.txt)

$(STAMP): requirements.txt requirements/learner.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -r requirements/learner.txt
	$(PIP_INSTALL) --no-deps --no-build-isolation -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP) requirements/test.txt requirements/site.txt requirements/app.txt
	$(PIP_INSTALL) -r requirements/test.txt
	touch $(TEST_STAMP)

$(SITE_STAMP): $(STAMP) requirements/site.txt
	$(PIP_INSTALL) -r requirements/site.txt
	touch $(SITE_STAMP)

$(APP_STAMP): $(STAMP) requirements/app.txt
	$(PIP_INSTALL) -r requirements/app.txt
	touch $(APP_STAMP)

lab: setup  ## open lesson 00 in JupyterLab, the repository root as the server root (README, docs/ in reach)
	TMSLAB_PROGRESS=1 MPLBACKEND=module://matplotlib_inline.backend_inline \
	  $(VENV)/bin/jupyter lab $(ROOT_FLAG) --ServerApp.root_dir="$(CURDIR)" lessons/00_welcome.ipynb

test: unit package lessons lessons-baseline browser  ## everything CI runs

unit: setup-test  ## library tests (no browser)
	$(PY) -m pytest -q tests -m "not browser and not package"

package: setup-test  ## build the wheel, install it outside the repo in a fresh venv, train (1-2 min)
	$(PY) -m pytest -q -p no:cacheprovider -m package -rs tests/test_packaging.py

sync: setup-test  ## pair every lesson with its text form lessons/py/NN_*.py (jupytext; idempotent)
	$(VENV)/bin/jupytext --sync lessons/[0-9][0-9]_*.ipynb

lessons: setup-test  ## strict nbval: every stored output must be reproduced
	$(PY) -m pytest -q -p no:cacheprovider --nbval --nbval-current-env \
	  --nbval-sanitize-with lessons/nbval-sanitize.cfg lessons

# The same strict nbval with every compiled kernel built for baseline x86-64 (no AVX, no FMA) and
# torch's / numpy's SIMD dispatch turned down to match: the stored outputs must not depend on the CPU.
NO_AVX512 := X86_V4 AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL AVX512_SPR
BASELINE_ENV := NUMBA_CPU_NAME=generic ATEN_CPU_CAPABILITY=default \
  NPY_DISABLE_CPU_FEATURES="$(NO_AVX512) X86_V3 AVX2 FMA3 AVX F16C" NUMBA_CACHE_DIR=$(CURDIR)/.cache/numba-baseline

lessons-baseline: setup-test  ## strict nbval again, built for baseline x86-64 (own compile cache)
	$(BASELINE_ENV) $(PY) -m pytest -q -p no:cacheprovider --nbval --nbval-current-env \
	  --nbval-sanitize-with lessons/nbval-sanitize.cfg lessons

bench: setup  ## tmslab vs a plain PyTorch trainer (not a test)
	$(PY) -m tmslab.bench

execute: $(SITE_STAMP)  ## re-run every lesson top to bottom and store its outputs
	$(PY) scripts/execute_lessons.py lessons/*.ipynb

# --- browser, static site, app mode -------------------------------------------------------
NPM_STAMP := node_modules/.installed-stamp
INLINE_BACKEND := module://matplotlib_inline.backend_inline

site-assets: $(NPM_STAMP)  ## require.js, widget manager, MathJax for the offline site (npm)

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $(NPM_STAMP)

browser-deps: setup-test site-assets  ## Debian chromium (apt, only when missing) + site assets
	bash scripts/install_browser.sh

site: $(SITE_STAMP) site-assets  ## build the offline static site in _site/ (executes every lesson)
	$(PY) scripts/build_site.py --out _site

app: $(APP_STAMP)  ## serve the lessons as apps (voila) on 127.0.0.1:8866; open the printed URL (it carries the token)
	MPLBACKEND=$(INLINE_BACKEND) JUPYTER_PATH="$(CURDIR)/share/jupyter" $(VENV)/bin/voila --no-browser \
	  --Voila.ip=127.0.0.1 --port=8866 --Voila.auto_token=True --template=tmslab lessons

browser: browser-deps  ## JupyterLab, static-site and voila tests in headless chromium
	$(PY) -m pytest -q -p no:cacheprovider -m browser -rs --durations=0 tests/browser

clean:
	rm -rf $(VENV) .pytest_cache
