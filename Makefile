# Patient FAQ assistant. `make run` serves the bot; `make test` runs every test.
# Each step runs only when its inputs changed (make's timestamps, Rasa's own
# fingerprint for training, content hashes for the index).

SHELL := /bin/bash
.DEFAULT_GOAL := help
ROOT := $(CURDIR)

# Settings from .env (KEY=value lines), if there is one; the environment wins.
-include .env
export

# Virtual environments live outside the checkout, keyed by their requirements'
# hash, so a fresh clone reuses them and a changed pin builds a new one.
VENV_ROOT ?= $(HOME)/.cache/clinic-faq-bot/venvs
RASA_HASH := $(shell cat requirements/rasa.txt | sha256sum | cut -c1-12)
ACT_HASH := $(shell cat requirements/actions.txt requirements/dev.txt | sha256sum | cut -c1-12)
RASA_VENV := $(VENV_ROOT)/rasa-py310-$(RASA_HASH)
ACT_VENV := $(VENV_ROOT)/actions-py311-$(ACT_HASH)
RASA_PY := $(RASA_VENV)/bin/python
ACT_PY := $(ACT_VENV)/bin/python
RASA := $(RASA_VENV)/bin/rasa

export PYTHONPATH := $(ROOT)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export RASA_TELEMETRY_ENABLED := false
export BOT_API_TOKEN ?= dev-token-change-me
export RASA_PORT ?= 5005
export ACTION_PORT ?= 5055
export WEB_PORT ?= 8080
export ACTION_SERVER_URL ?= http://127.0.0.1:$(ACTION_PORT)/webhook

PAGES := $(wildcard knowledge/pages/*.txt knowledge/pages/*.md)
KNOWLEDGE_CODE := $(wildcard knowledge/*.py)
LOOKUPS := data/nlu/lookups/procedures.yml
SPACY_STAMP := build/spacy_pipeline/meta.json
INDEX_STAMP := build/index/manifest.json
ONNX_MODEL := build/embedder/all-MiniLM-L6-v2.onnx
MODEL := models/current.tar.gz
# The model does not learn from the spaCy matcher (it is loaded by path when the
# server starts), so a page edit that changes no name never retrains.
TRAINING_INPUTS := config.yml domain.yml $(shell find data -name '*.yml') $(wildcard bot/components/*.py bot/policies.py)

.PHONY: help venvs setup nlu spacy index model run shell chat ask test lint typecheck unit eval bench clean

help:
	@echo "make run     set up what is missing, then serve the bot (Rasa :$(RASA_PORT), actions :$(ACTION_PORT), web :$(WEB_PORT))"
	@echo "make test    lint, type checks and the whole test suite"
	@echo "make shell   staff shell (rasa shell) against the action server"
	@echo "make chat    line-by-line chat with the bot, choices numbered (type a number or free text)"
	@echo "make ask Q='does it hurt' P=78580   what the bot would answer, with scores (needs make run)"
	@echo "make eval    answer-quality report in reports/    make bench   performance report in reports/"

# --- environments ----------------------------------------------------------

# The hash in the folder's name stands for the requirements' content, so the
# stamp depends on nothing else: a fresh clone's newer file times must not
# rebuild a good environment. The stamp is written last, so an interrupted
# build is redone; scripts/build-venv.sh holds a lock so that two builds of the
# same environment never run at once.
$(RASA_VENV)/.installed:
	@echo "==> Rasa runtime (Python 3.10) in $(RASA_VENV): a few minutes the first time"
	scripts/build-venv.sh $(RASA_VENV) 3.10 requirements/rasa.txt

$(ACT_VENV)/.installed:
	@echo "==> Action server and tools (Python 3.11) in $(ACT_VENV)"
	scripts/build-venv.sh $(ACT_VENV) 3.11 requirements/actions.txt requirements/dev.txt

venvs: $(RASA_VENV)/.installed $(ACT_VENV)/.installed

# --- knowledge pipeline: pages -> lookups, spaCy matcher, index -> model ---

$(LOOKUPS): $(PAGES) $(KNOWLEDGE_CODE) | $(ACT_VENV)/.installed
	$(ACT_PY) -m knowledge.nlu_export

$(SPACY_STAMP): $(PAGES) $(KNOWLEDGE_CODE) bot/spacy_pipeline.py | $(RASA_VENV)/.installed
	$(RASA_PY) -m bot.spacy_pipeline

$(INDEX_STAMP): $(PAGES) $(KNOWLEDGE_CODE) | $(ACT_VENV)/.installed
	$(ACT_PY) -m knowledge.cli build

$(MODEL): $(TRAINING_INPUTS) $(LOOKUPS) | $(RASA_VENV)/.installed $(SPACY_STAMP)
	@echo "==> training the assistant (about a minute)"
	$(RASA) train --domain domain.yml --data data --config config.yml --out models --fixed-model-name current
	touch $@

# The embedding model for ONNX Runtime (the action server embeds questions with it).
$(ONNX_MODEL): knowledge/onnx_embedder.py requirements/actions.txt | $(ACT_VENV)/.installed
	$(ACT_PY) -m knowledge.onnx_embedder

nlu: $(LOOKUPS)
spacy: $(SPACY_STAMP)
index: $(INDEX_STAMP)
model: $(MODEL)
setup: venvs $(LOOKUPS) $(SPACY_STAMP) $(INDEX_STAMP) $(ONNX_MODEL) $(MODEL)

# --- serving ----------------------------------------------------------------

run: setup
	$(ACT_PY) -m serving --rasa-venv $(RASA_VENV) --actions-venv $(ACT_VENV)

shell: setup
	$(ACT_PY) -m tools.shell --rasa-venv $(RASA_VENV) --actions-venv $(ACT_VENV)

chat: setup
	$(ACT_PY) -m tools.chat --rasa-venv $(RASA_VENV) --actions-venv $(ACT_VENV)

ask: setup
	@$(ACT_PY) -m tools.ask "$(Q)" $(if $(P),--procedure $(P))

# --- quality ----------------------------------------------------------------

lint: $(ACT_VENV)/.installed
	$(ACT_VENV)/bin/ruff check .
	$(ACT_VENV)/bin/ruff format --check .

typecheck: venvs
	$(ACT_VENV)/bin/mypy
	$(RASA_VENV)/bin/mypy --config-file mypy-rasa.ini

test: setup lint typecheck
	$(ACT_PY) -m knowledge.nlu_export --check
	@mkdir -p build
	$(RASA) data validate --domain domain.yml --data data --config config.yml > build/validate.log 2>&1 \
	  || { cat build/validate.log; exit 1; }
	$(RASA_PY) -m pytest -q -p no:cacheprovider tests/bot
	$(ACT_PY) -m pytest tests --ignore=tests/bot

eval: setup
	$(ACT_PY) -m tools.eval --rasa-venv $(RASA_VENV) --actions-venv $(ACT_VENV)

bench: setup
	$(ACT_PY) -m tools.bench --rasa-venv $(RASA_VENV) --actions-venv $(ACT_VENV)

clean:
	rm -rf build models reports .pytest_cache .mypy_cache .ruff_cache
