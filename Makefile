# The two commands of the README: `make demo` (the main job) and `make test`.
# Both create the virtual environment from requirements-test.txt when it is missing or stale.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
RUNTIME_VENV := .venv-runtime
RUNTIME_STAMP := $(RUNTIME_VENV)/.installed
PYTEST_ARGS ?=

.PHONY: venv runtime-venv test demo arm64-check clean

$(STAMP): requirements.txt requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $(STAMP)

# The TF-free device runtime is tested in an environment that has only its three packages.
$(RUNTIME_STAMP): requirements-runtime.txt
	$(PYTHON) -m venv $(RUNTIME_VENV)
	$(RUNTIME_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(RUNTIME_VENV)/bin/python -m pip install --quiet -r requirements-runtime.txt
	touch $(RUNTIME_STAMP)

venv: $(STAMP)

runtime-venv: $(RUNTIME_STAMP)

test: $(STAMP) $(RUNTIME_STAMP)
	$(PY) -m pytest -n 2 --dist loadfile -q $(PYTEST_ARGS) tests

demo: $(STAMP) $(RUNTIME_STAMP)
	$(PY) -m demo $(DEMO_ARGS)

# Not part of `test`: as root, the runtime on Debian bookworm arm64 under qemu against x86 (BUILD.md).
arm64-check: $(STAMP) $(RUNTIME_STAMP)
	$(PY) -m benchmarks.arm64_check $(ARM64_CHECK_ARGS)

clean:
	rm -rf runs/demo
