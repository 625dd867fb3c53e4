# Two commands matter: `make run` (the product) and `make test` (the tests).
SHELL := /bin/bash
PYTHON_VERSION := $(shell cat .python-version)
VENV := .venv
PY := $(VENV)/bin/python
# Python 3.10 from pyenv where it is installed, else a python3.10 on PATH.
BASE_PYTHON := $(shell if command -v pyenv >/dev/null 2>&1 && PYENV_VERSION=$(PYTHON_VERSION) pyenv which python >/dev/null 2>&1; then PYENV_VERSION=$(PYTHON_VERSION) pyenv which python; else command -v python3.10; fi)
PIP_INSTALL := $(PY) -m pip install --disable-pip-version-check -q -c requirements/constraints.txt

.PHONY: run test lint train publish validate test-nlu shell lock clean help backup restore report

help:
	@echo "make run       start everything (Redis, action server, Rasa, console)"
	@echo "make test      run the whole test suite"
	@echo "make lint      ruff on the whole tree, mypy on bot/ actions/ channels/ console/"
	@echo "make train     train the model if data or config changed (FORCE=1 to retrain)"
	@echo "make publish   train a candidate, score it beside the live model, put it live if not worse (ARGS=--rollback|--status|--override NOTE)"
	@echo "make validate  check the knowledge base, responses and training data"
	@echo "make test-nlu  score the model on the held-out test set (tests/nlu)"
	@echo "make shell     chat in the terminal"
	@echo "make backup    save every cs:* key of Redis to FILE (default var/backups/cs-DATE.jsonl.gz)"
	@echo "make restore   put the keys of FILE back into Redis (FILE=… required)"
	@echo "make report    weekly review charts and summary into var/reports/ (END=YYYY-MM-DD, last day)"

$(PY):
	@test -n "$(BASE_PYTHON)" || { echo "Python $(PYTHON_VERSION) is needed: install it with pyenv (pyenv install $(PYTHON_VERSION)) or your package manager"; exit 1; }
	$(BASE_PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q --upgrade pip

$(VENV)/.runtime: $(PY) requirements/runtime.txt requirements/constraints.txt
	$(PIP_INSTALL) -r requirements/runtime.txt
	@touch $@

$(VENV)/.test: $(VENV)/.runtime requirements/test.txt
	$(PIP_INSTALL) -r requirements/test.txt
	@touch $@

run: $(VENV)/.runtime
	$(PY) -m bot.ops.stack

test: $(VENV)/.test
	$(PY) tests/prerequisites.py
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

train: $(VENV)/.runtime
	$(PY) -m bot.knowledge.training $(if $(FORCE),--force,)

publish: $(VENV)/.runtime
	$(PY) -m bot.knowledge.publish $(ARGS)

validate: $(VENV)/.runtime
	$(PY) -m bot.knowledge.validate

test-nlu: $(VENV)/.runtime
	$(PY) -m bot.knowledge.nlu_eval $(ARGS)

shell: $(VENV)/.runtime
	$(PY) -m bot.ops.chat

backup: $(VENV)/.runtime
	$(PY) -m bot.ops.backup save "$(or $(FILE),var/backups/cs-$(shell date +%Y%m%d-%H%M%S).jsonl.gz)"

restore: $(VENV)/.runtime
	@test -n "$(FILE)" || { echo "usage: make restore FILE=var/backups/cs-….jsonl.gz"; exit 2; }
	$(PY) -m bot.ops.backup restore "$(FILE)"

report: $(VENV)/.runtime
	$(PY) -m bot.analytics.report --week $(if $(END),--end $(END),) --out "$(or $(OUT),var/reports/$(or $(END),latest))"

lock: $(VENV)/.test
	@{ echo "# Full lock: every package of runtime.txt + test.txt at the version tested here."; \
	   echo "# Regenerate with \`make lock\` after changing runtime.txt or test.txt."; \
	   $(PY) -m pip freeze --exclude-editable; } > requirements/constraints.txt

clean:
	rm -rf var/build var/models .rasa
