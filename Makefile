# Two commands do all the set-up on a fresh machine:
#   make run    install, build and serve the whole app on http://127.0.0.1:$(PORT)
#   make test   install and run every test
# Needs python3 (3.10+), node 20 with npm; `make test` also needs chromium and nginx
# (Debian: apt-get install -y chromium nginx).

PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
CIFAKE_SOURCE ?= ../shared/data/cifake
EPOCHS ?= 30

export PORT

.PHONY: run test install frontend test-python test-frontend dataset train evaluate export benchmark clean

run: install frontend/dist/index.html
	$(BIN)/gunicorn -c backend/gunicorn.conf.py

test: install frontend/node_modules/.package-lock.json
	$(MAKE) -k test-python test-frontend  # -k: run both suites, fail if either fails

test-python: install frontend/dist/index.html
	$(BIN)/python -m pytest

test-frontend: frontend/node_modules/.package-lock.json
	cd frontend && npm run typecheck && npm test && npm run build && npm run e2e

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt backend/requirements.txt backend/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund

frontend/dist/index.html: frontend/node_modules/.package-lock.json $(shell find frontend/src frontend/index.html frontend/vite.config.ts -type f 2>/dev/null)
	cd frontend && npm run build

# Data, training and evaluation (see README "Training")
dataset: install
	$(BIN)/python scripts/dataset.py --source $(CIFAKE_SOURCE) --dest dataset

train: install
	$(BIN)/python scripts/train.py --data-dir dataset --epochs $(EPOCHS) --out backend/model/classifier.h5

evaluate: install
	$(BIN)/python scripts/evaluate.py --data dataset --model backend/model/classifier.h5 --out performance

export: install
	$(BIN)/python scripts/export_tflite.py --model backend/model/classifier.h5 --check-data dataset

benchmark: install
	$(BIN)/python scripts/benchmark_api.py

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist runs .pytest_cache
