# Two commands do all the set-up on a fresh machine:
#   make run    install, build and serve the whole app on http://127.0.0.1:$(PORT)
#   make test   install and run every test
# Needs python3 (3.10+), node 20.19+ with npm and make. `make test` also needs Debian's
# chromium and nginx: it installs them with apt-get when they are missing (as root or
# with passwordless sudo), or stops and names the command to run.

PYTHON ?= python3
PORT ?= 8000
DOCS_PORT ?= 8001
VENV := .venv
BIN := $(VENV)/bin
CIFAKE_SOURCE ?= ../shared/data/cifake
MODERN_SOURCE ?= ../shared/data/modern
# Local git mirrors of the repositories in dataset/sources.csv; those missing are cloned into dataset/git.
SOURCES_MIRRORS ?=
EPOCHS ?= 30

export PORT

.PHONY: run test install system-packages frontend test-python test-frontend extension test-extension container-check k8s-check dataset train evaluate export benchmark docs docs-serve clean

# DETECTORS_DIR=DIR make run also serves the measured detectors under DIR (docs/detectors.md).
run: install frontend/dist/index.html
	$(if $(DETECTORS_DIR),FLASK_DETECTORS_DIR=$(abspath $(DETECTORS_DIR))) $(BIN)/gunicorn -c backend/gunicorn.conf.py

test: system-packages install frontend/node_modules/.package-lock.json
	$(MAKE) -k test-python test-frontend test-extension  # -k: run every suite, fail if any fails

# Debian packages the tests run: Chromium (end-to-end tests) and nginx (deployment tests).
# Installed only when missing; the tests start their own nginx, so the packaged service is stopped.
system-packages:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	{ command -v nginx || test -x /usr/sbin/nginx; } >/dev/null 2>&1 || missing="$$missing nginx"; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	else echo "make test needs$$missing; install with: sudo apt-get update && sudo apt-get install -y$$missing" >&2; exit 1; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "make test needs$$missing (no apt-get here: install them with your package manager)" >&2; exit 1; fi; \
	echo "make test: installing$$missing with apt-get"; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null \
	  && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq $$missing >/dev/null \
	  || { echo "make test: apt-get install -y$$missing failed" >&2; exit 1; }; \
	case "$$missing" in *nginx*) $$sudo service nginx stop >/dev/null 2>&1 || true;; esac

test-python: install frontend/dist/index.html
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

# Build and run the Docker deployment with Podman on stand-in base images (see docs/deployment.md, "Podman").
# CONTAINER_CHECK_ARGS=--keep-images leaves the images for `make k8s-check`.
container-check: install
	$(BIN)/python -m tests.deployment.container_check $(CONTAINER_CHECK_ARGS)

# Play the Kubernetes manifests' pods (deploy/kubernetes) with Podman on the images container-check
# builds: reused when `container-check --keep-images` left them, else built (see docs/deployment.md, "Kubernetes").
k8s-check: install
	$(BIN)/python -m tests.deployment.k8s_check

test-frontend: frontend/node_modules/.package-lock.json
	cd frontend && npm run lint && npm run types:check && npm run typecheck && npm test && npm run build && npm run e2e

# The browser extension (docs/extension.md): lint, types and unit tests, then `make extension`'s build,
# then the unpacked extension in Chromium against the real server. It builds from the web app's
# sources; its browser tests reuse the web app's test helpers (their types come from frontend/node_modules).
# The extension's e2e hands a picture to the web app the test server serves: frontend/dist must be built.
test-extension: install frontend/dist/index.html extension/node_modules/.package-lock.json
	cd extension && npm run lint && npm run typecheck && npm test && npm run dist && npm run e2e

# extension/dist/chromium and extension/dist/firefox, their zips (extension/dist/*.zip) and web-ext lint.
extension: extension/node_modules/.package-lock.json
	cd extension && npm run dist

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt backend/requirements.txt backend/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund

extension/node_modules/.package-lock.json: extension/package-lock.json
	cd extension && npm ci --no-audit --no-fund

frontend/dist/index.html: frontend/node_modules/.package-lock.json $(shell find frontend/src frontend/index.html frontend/vite.config.ts frontend/nginx/security-headers.conf -type f 2>/dev/null)
	cd frontend && npm run build

# Data, training and evaluation (see docs/training.md)
dataset: install
	$(BIN)/python scripts/dataset.py --source $(CIFAKE_SOURCE) --modern $(MODERN_SOURCE) --dest dataset
	$(BIN)/python scripts/build_sources.py $(if $(SOURCES_MIRRORS),--mirrors $(SOURCES_MIRRORS)) \
	  --clone-into dataset/git --dest dataset/native

# Two stages: the CNN from scratch on CIFAKE (kept in runs/ and reused when present), then,
# with that network frozen, a head for today's pictures trained on CIFAKE and the modern set.
train: install runs/cifake-only.h5
	$(BIN)/python scripts/train.py --data-dir dataset --base-model runs/cifake-only.h5 --epochs 4 \
	  --learning-rate 1e-3 --modern-variants 8 --modern-weight 0.4 --out backend/model/classifier.h5 --run-dir runs/train

runs/cifake-only.h5:
	$(MAKE) install
	$(BIN)/python scripts/train.py --data-dir dataset --no-modern --epochs $(EPOCHS) --out $@ --run-dir runs/cifake-only

evaluate: install
	$(BIN)/python scripts/evaluate.py --data dataset --model backend/model/classifier.h5 --out performance

export: install
	$(BIN)/python scripts/export_tflite.py --model backend/model/classifier.h5 --check-data dataset

benchmark: install
	$(BIN)/python -m scripts.benchmarks.api

# The documentation site (mkdocs.yml, docs/): --strict fails on any broken link, anchor or page missing from the nav.
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

docs-serve: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --dev-addr 127.0.0.1:$(DOCS_PORT)

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist extension/node_modules extension/dist runs .pytest_cache site
