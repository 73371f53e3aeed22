# The README's two commands: `make up` and `make test`. Each creates .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export XDG_RUNTIME_DIR ?= /tmp/memos-runtime-$(shell id -u)

.PHONY: up test test-gpu install install-dev lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The CPU wheel first, so nothing below pulls several GB of CUDA packages.
	$(BIN)/pip install --quiet torch==2.13.0

$(VENV)/.installed: $(BIN)/python pyproject.toml sdk/pyproject.toml
	$(BIN)/pip install --quiet -e ./sdk -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e ./sdk -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

up: $(VENV)/.installed
	$(BIN)/memos up

# pytest exits 5 when it collected no tests: that is a failure here, never a green run.
test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "no tests were collected" >&2; exit 1; fi; exit $$status

# The GPU checks alone (issue 38); here, without CUDA, each is skipped with its reason.
test-gpu: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -m gpu tests/gpu_index

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check memos_service workers gpu_index sdk tests
	cd sdk && ../$(BIN)/mypy --strict memos_sdk

clean:
	rm -rf $(VENV) .pytest_cache
