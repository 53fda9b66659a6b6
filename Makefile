# tmslab course: `make lab` opens the course, `make test` runs every check.
# Both create the virtual environment first when it is missing or stale.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
ROOT_FLAG := $(shell [ "$$(id -u)" = "0" ] && echo --allow-root)
export TMSLAB_PROGRESS ?= 0
export MPLBACKEND ?= Agg

.PHONY: setup lab test unit lessons bench execute lint clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

lab: setup  ## open the course in JupyterLab
	TMSLAB_PROGRESS=1 MPLBACKEND=module://matplotlib_inline.backend_inline \
	  $(VENV)/bin/jupyter lab $(ROOT_FLAG) lessons/00_welcome.ipynb

test: unit lessons  ## everything CI runs

unit: setup
	$(PY) -m pytest -q tests

lessons: setup  ## strict nbval: every stored output must be reproduced
	$(PY) -m pytest -q -p no:cacheprovider --nbval --nbval-current-env \
	  --nbval-sanitize-with lessons/nbval-sanitize.cfg lessons

bench: setup  ## tmslab vs a plain PyTorch trainer (not a test)
	$(PY) -m tmslab.bench

execute: setup  ## re-run every lesson top to bottom and store its outputs
	$(PY) scripts/execute_lessons.py lessons/*.ipynb

clean:
	rm -rf $(VENV) .pytest_cache
