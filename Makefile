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
# Tuned reader encoders by corpus digest, kept outside the checkout like the environments (tools/tune_encoder.py).
ENCODER_CACHE ?= $(HOME)/.cache/clinic-faq-bot/reader-encoder
# The corpus's texts as the reader's encoders embed them, by the encoder file's digest (tools/train_reader.py).
READER_VECTOR_CACHE ?= $(HOME)/.cache/clinic-faq-bot/reader-vectors
# Built readers by the digest of all their inputs (code, data, Rasa's parses, models): a fresh clone of a commit
# built here before copies its reader (tools/reader_builds.py).
READER_BUILD_CACHE ?= $(HOME)/.cache/clinic-faq-bot/reader-builds
# Rasa's own training cache (components by the fingerprint of their data and settings): a fresh clone of the same
# data packages a model in seconds; a changed example retrains what it feeds, as in one checkout.
RASA_TRAINING_CACHE ?= $(HOME)/.cache/clinic-faq-bot/rasa-training
# mypy's incremental caches, one per runtime: a fresh clone type-checks in seconds instead of about 70 (mypy
# checks each file's hash, so an edited file is checked again).
MYPY_CACHE ?= $(HOME)/.cache/clinic-faq-bot/mypy
RASA_HASH := $(shell cat requirements/rasa.txt requirements/rasa-dev.txt | sha256sum | cut -c1-12)
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
KNOWLEDGE_CODE := $(shell find knowledge common -name "*.py")
LOOKUPS := data/nlu/lookups/procedures.yml
SPACY_STAMP := build/spacy_pipeline/meta.json
INDEX_STAMP := build/index/manifest.json
ONNX_MODEL := build/embedder/all-MiniLM-L6-v2.onnx
# Its tokenizer files, copied beside it by the export (the container image has no model package).
ONNX_TOKENIZER := build/embedder/tokenizer.json
READER := build/reader/reader.json
# The reader's encoder: all-MiniLM-L6-v2 fine-tuned on the corpus (tools/tune_encoder.py, which rewrites
# build/reader/encoder/model.onnx only when the corpus or the recipe changed; the stamp says it was checked).
TUNED_ENCODER := build/reader/encoder/.checked
CORPUS := $(wildcard data/corpus/writers/*.jsonl) data/corpus/splits.json
# Pairs of a first question and the message after it (data/corpus/followups/): the reader's follow-up head.
FOLLOW_UPS := $(wildcard data/corpus/followups/writers/*.jsonl) data/corpus/followups/splits.json
MODEL := models/current.tar.gz
# The model does not learn from the spaCy matcher (it is loaded by path when the
# server starts), so a page edit that changes no name never retrains.
TRAINING_INPUTS := config.yml domain.yml $(shell find data -name '*.yml') $(wildcard bot/components/*.py bot/policies.py bot/language_policy.py)

.PHONY: FORCE help venvs setup setup-steps nlu spacy index model reader reader-compare run shell chat ask test lint typecheck unit check eval bench clean purge bench-purge

help:
	@echo "make run     set up what is missing, then serve the bot (Rasa :$(RASA_PORT), actions :$(ACTION_PORT), web :$(WEB_PORT))"
	@echo "make test    lint, type checks and the whole test suite"
	@echo "make check   lint, type checks and the tests that need no server (make unit): no model, a minute or two"
	@echo "make shell   staff shell (rasa shell) against the action server"
	@echo "make chat    line-by-line chat with the bot, choices numbered (type a number or free text)"
	@echo "make ask Q='does it hurt' P=78580   what the bot would answer, with scores (needs make run)"
	@echo "make staff-user NAME=jsmith   create or reset a staff console account (REMOVE=1 deletes it)"
	@echo "make eval    answer-quality report in reports/    make bench   performance report in reports/"
	@echo "make purge   delete conversations older than RETENTION_DAYS now (counts only)"
	@echo "make images  the container images    make deploy-check   build, start and check deploy/compose.yml here"

# --- environments ----------------------------------------------------------

# The hash in the folder's name stands for the requirements' content, so the
# stamp depends on nothing else: a fresh clone's newer file times must not
# rebuild a good environment. The stamp is written last, so an interrupted
# build is redone; scripts/build-venv.sh holds a lock so that two builds of the
# same environment never run at once.
$(RASA_VENV)/.installed:
	@echo "==> Rasa runtime (Python 3.10) in $(RASA_VENV): a few minutes the first time"
	scripts/build-venv.sh $(RASA_VENV) 3.10 requirements/rasa.txt requirements/rasa-dev.txt

$(ACT_VENV)/.installed:
	@echo "==> Action server and tools (Python 3.11) in $(ACT_VENV)"
	scripts/build-venv.sh $(ACT_VENV) 3.11 requirements/actions.txt requirements/dev.txt

venvs: $(RASA_VENV)/.installed $(ACT_VENV)/.installed

# requirements/*.in name each runtime's direct dependencies; `make requirements`
# compiles them with pip-compile into the pinned, hashed requirements/*.txt the
# venvs are built from: rasa.txt and rasa-dev.txt with Python 3.10, actions.txt
# and dev.txt with Python 3.11 (each -dev file is held to its runtime's pins by
# `-c`), and actions-runtime.txt, the action image's subset of actions.txt. Pins already in a .txt stay unless a .in forces them to move; to move
# some: make requirements COMPILE_ARGS='--upgrade-package NAME' (or --upgrade).
# pip-tools lives in a small tool venv per Python, made here on first use; it
# is no part of make run or make test.
PIPTOOLS_VERSION := 7.6.2
COMPILE_ARGS ?=
compile_requirements = CUSTOM_COMPILE_COMMAND="make requirements" $(VENV_ROOT)/piptools-py$(1)/bin/pip-compile \
  --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links --newline=lf \
  $(COMPILE_ARGS) --output-file requirements/$(2).txt requirements/$(2).in

.PHONY: requirements
requirements: $(VENV_ROOT)/piptools-py310/.pip-tools-$(PIPTOOLS_VERSION) $(VENV_ROOT)/piptools-py311/.pip-tools-$(PIPTOOLS_VERSION)
	$(call compile_requirements,310,rasa)
	$(call compile_requirements,310,rasa-dev)
	$(call compile_requirements,311,actions)
	$(call compile_requirements,311,dev)
	$(call compile_requirements,311,actions-runtime)

$(VENV_ROOT)/piptools-py%/.pip-tools-$(PIPTOOLS_VERSION):
	rm -rf $(@D)
	v=$*; "$$(scripts/find-python.sh $${v:0:1}.$${v:1})" -m venv $(@D)
	$(@D)/bin/python -m pip install --quiet "pip==24.0" "pip-tools==$(PIPTOOLS_VERSION)"
	touch $@

# --- knowledge pipeline: pages -> lookups, spaCy matcher, index -> model ---

# Always run (a fraction of a second): it rewrites the file only when its content
# changes, so the model retrains for a new name, never for a fresh clone's file times.
$(LOOKUPS): FORCE | $(ACT_VENV)/.installed
	@$(ACT_PY) -m knowledge.nlu_export

$(SPACY_STAMP): $(PAGES) $(KNOWLEDGE_CODE) bot/spacy_pipeline.py | $(RASA_VENV)/.installed
	$(RASA_PY) -m bot.spacy_pipeline

$(INDEX_STAMP): $(PAGES) $(KNOWLEDGE_CODE) | $(ACT_VENV)/.installed
	$(ACT_PY) -m knowledge.cli build

$(MODEL): $(TRAINING_INPUTS) $(LOOKUPS) | $(RASA_VENV)/.installed $(SPACY_STAMP)
	@echo "==> training the assistant (about a minute)"
	RASA_CACHE_DIRECTORY=$(RASA_TRAINING_CACHE) $(RASA) train --domain domain.yml --data data --config config.yml --out models --fixed-model-name current
	touch $@

# The embedding model for ONNX Runtime (the action server embeds questions with it).
$(ONNX_MODEL) $(ONNX_TOKENIZER) &: knowledge/onnx_embedder.py requirements/actions.txt | $(ACT_VENV)/.installed
	$(ACT_PY) -m knowledge.onnx_embedder

# What the trained Rasa model makes of the corpus's validation writers: the decision table's thresholds for
# when Rasa and the reader agree are chosen on them too (bot/parse_texts.py, about 20 s).
NLU_VALIDATION := build/reader-nlu/validation.jsonl
$(NLU_VALIDATION): $(MODEL) $(CORPUS) bot/parse_texts.py
	$(ACT_PY) -m tools.train_reader --validation-texts build/reader-nlu/texts.jsonl
	$(RASA_PY) -m bot.parse_texts $(MODEL) build/reader-nlu/texts.jsonl $@

# The reader's encoder, fine-tuned on the corpus's training writers and the team's NLU examples (about 6 minutes
# on 2 cores in bfloat16, 10 in float32). A staff correction (data/nlu/reviewed.yml) refits the heads below, and
# never tunes it again.
$(TUNED_ENCODER): $(CORPUS) $(filter-out data/nlu/reviewed.yml,$(wildcard data/nlu/*.yml)) tools/tune_encoder.py | $(ONNX_MODEL)
	@echo "==> the reader's encoder, fine-tuned on the corpus (about 6 minutes when the corpus changed)"
	$(ACT_PY) -m tools.tune_encoder --cache $(ENCODER_CACHE)
	touch $@

# The reader's models (actions/reader.py): trained on the corpus's training writers and the team's NLU
# examples, compared, calibrated and thresholded on the validation writers (tools/train_reader.py).
# READER_ENCODER=tuned (the default): the section and page heads read the fine-tuned encoder's vector beside the
# stock one (better answers for one more, 8-bit, embedding a message: see the README's "The reader's encoder");
# stock: the stock vector alone. The choice is kept in a file rewritten only when it changes, so that changing it
# retrains the reader.
READER_ENCODER ?= tuned
READER_CHOICE := build/reader-choice.txt
$(READER_CHOICE): FORCE
	@mkdir -p $(@D); echo "$(READER_ENCODER)" | cmp -s - $@ || echo "$(READER_ENCODER)" > $@
ifeq ($(READER_ENCODER),tuned)
READER_NEEDS := $(TUNED_ENCODER)
endif

$(READER): $(CORPUS) $(FOLLOW_UPS) $(wildcard data/nlu/*.yml) actions/reader.py actions/decide.py tools/train_reader.py tools/tune_encoder.py tools/corpus.py tools/follow_ups.py $(NLU_VALIDATION) $(READER_CHOICE) | $(ONNX_MODEL) $(READER_NEEDS)
	@echo "==> training the reader on the corpus (about two minutes)"
	$(ACT_PY) -m tools.train_reader --encoder $(READER_ENCODER) --vector-cache $(READER_VECTOR_CACHE) \
	  --build-cache $(READER_BUILD_CACHE)

nlu: $(LOOKUPS)
reader: $(READER)
# The reader again, comparing the MLP too (tools/train_reader.py; about 40 s more than a retrain).
reader-compare: $(NLU_VALIDATION) | $(ONNX_MODEL) $(READER_NEEDS)
	$(ACT_PY) -m tools.train_reader --compare-all --encoder $(READER_ENCODER) --vector-cache $(READER_VECTOR_CACHE)
spacy: $(SPACY_STAMP)
index: $(INDEX_STAMP)
model: $(MODEL)
# What make run needs, built SETUP_JOBS steps at a time: on a first run the two environments install side by side,
# and the reader's encoder tunes while the Rasa runtime trains (a first run on 2 cores: 19 minutes against 25 one
# step at a time, 2026-12-07). The two steps' lines interleave, as they are printed (make's -O would hold a step's
# lines until it ends: ten silent minutes of tuning).
SETUP_JOBS ?= 2
setup:
	@$(MAKE) --no-print-directory -j$(SETUP_JOBS) setup-steps
setup-steps: venvs $(LOOKUPS) $(SPACY_STAMP) $(INDEX_STAMP) $(ONNX_MODEL) $(ONNX_TOKENIZER) $(READER) $(MODEL)

# --- serving ----------------------------------------------------------------

run: setup
	$(ACT_PY) -m serving --rasa-venv $(RASA_VENV) --actions-venv $(ACT_VENV)

shell: setup
	$(ACT_PY) -m tools.shell --rasa-venv $(RASA_VENV) --actions-venv $(ACT_VENV)

chat: setup
	$(ACT_PY) -m tools.chat --rasa-venv $(RASA_VENV) --actions-venv $(ACT_VENV)

# Asks the running bot (make run) for NLU and searches the index itself: no training needed.
ask: $(ACT_VENV)/.installed $(INDEX_STAMP)
	@$(ACT_PY) -m tools.ask "$(Q)" $(if $(P),--procedure $(P))

# Staff console accounts (serving/staff/accounts.py): prompts for the password; REMOVE=1 deletes the account.
.PHONY: staff-user
staff-user: $(ACT_VENV)/.installed
	@$(ACT_PY) -m serving.staff.accounts "$(NAME)" $(if $(REMOVE),--remove)

# The staff console's approved corrections -> data/nlu/reviewed.yml and tests/heldout/reviewed/ (make eval).
.PHONY: review-export
review-export: $(ACT_VENV)/.installed
	@$(ACT_PY) -m serving.staff.reviews

# --- quality ----------------------------------------------------------------

# Lint, format, and the import contracts of pyproject.toml's [tool.importlinter].
lint: $(ACT_VENV)/.installed
	$(ACT_VENV)/bin/ruff check .
	$(ACT_VENV)/bin/ruff format --check .
	$(ACT_VENV)/bin/lint-imports --no-cache

typecheck: venvs
	MYPY_CACHE_DIR=$(MYPY_CACHE)/actions $(ACT_VENV)/bin/mypy
	MYPY_CACHE_DIR=$(MYPY_CACHE)/rasa $(RASA_VENV)/bin/mypy --config-file mypy-rasa.ini

# Coverage (pytest-cov, set up in pyproject.toml's [tool.coverage.*]) of make test and make unit:
# a line per package at the end of each run (tests/support/coverage_summary.py); per file with
# `coverage report` (bot/: add --data-file=build/coverage/.coverage.bot).
ACT_COV := --cov --cov-report=
RASA_PYTEST = COVERAGE_FILE=build/coverage/.coverage.bot $(RASA_PY) -m pytest -q -p no:cacheprovider --cov=bot --cov-report=

test: setup lint typecheck
	$(ACT_PY) -m knowledge.nlu_export --check
	@mkdir -p build
	$(RASA) data validate --domain domain.yml --data data --config config.yml > build/validate.log 2>&1 \
	  || { cat build/validate.log; exit 1; }
	$(RASA_PYTEST) tests/bot
	$(ACT_PY) -m pytest $(ACT_COV) tests --ignore=tests/bot --ignore=tests/deploy

# The tests that need no server, process or browser, in both runtimes: tests/bot in the Rasa
# runtime, everything else not marked `servers` (tests/support/markers.py) in the 3.11 one.
unit: venvs $(ONNX_MODEL)
	$(RASA_PYTEST) tests/bot
	$(ACT_PY) -m pytest -q $(ACT_COV) -m "not servers" tests --ignore=tests/bot --ignore=tests/deploy

# The fast checks, before every commit: no trained model, no server (make test runs everything).
check: lint typecheck unit

eval: setup
	$(ACT_PY) -m tools.eval --rasa-venv $(RASA_VENV) --actions-venv $(ACT_VENV)

bench: setup
	$(ACT_PY) -m tools.bench --rasa-venv $(RASA_VENV) --actions-venv $(ACT_VENV)
	$(ACT_PY) -m tools.staff_bench

# Delete the conversations older than RETENTION_DAYS now (the Rasa server also does it hourly); counts only.
purge: $(RASA_VENV)/.installed
	@$(RASA_PY) -m bot.purge

# The purge benchmark alone (make bench runs it too): 100,000 expired conversations among 10,000 live ones.
bench-purge: setup
	$(ACT_PY) -m tools.bench_purge --rasa-venv $(RASA_VENV) --actions-venv $(ACT_VENV)

# --- containers (README: "Deploying with containers") ------------------------

# The images of deploy/ (clinic-faq/rasa, actions, proxy, postgres, redis:$(IMAGE_TAG), default
# local), from what `make setup` built; starts dockerd when none answers. BASE_PY310, BASE_PY311
# and BASE_DEBIAN name base images; unset, local stand-ins are built once (scripts/deploy-base.sh).
.PHONY: images deploy-check
images: setup
	scripts/deploy-images.sh

# Builds the images, starts deploy/compose.yml with deploy/compose.host.yml on 127.0.0.1 (ports:
# scripts/deploy-check.sh), drives it as a clinic would (tests/deploy), and stops it.
deploy-check: setup
	scripts/deploy-check.sh $(ACT_PY)

FORCE:

clean:
	rm -rf build models reports .pytest_cache .mypy_cache .ruff_cache
