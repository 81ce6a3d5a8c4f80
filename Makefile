# The two commands of the README: `make report` (the main job) and `make test`.
# Each sets up .venv on first use (and again when pyproject.toml changes).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: report test lint format lab clean-outputs help i18n bench lock audit

help:
	@echo "make report   clean every shipped plan; render the TLĐ 2021-H1 summary and the"
	@echo "              Bắc Giang 2026-H1 summary with every unit's report, and write the"
	@echo "              e-mails they would go out in as .eml files (the main job)"
	@echo "make test     run the test suite (and ruff)"
	@echo "make lab      open JupyterLab on the project's environment"
	@echo "make lint     ruff check + ruff format --check"
	@echo "make bench    measure one report cold and warm, the unit reports against a papermill"
	@echo "              loop, and a generated national table (bench/results.json; 5-15 min)"
	@echo "make audit    known vulnerabilities in the locked versions (pip-audit; needs PyPI)"
	@echo "make lock     re-resolve requirements/*.lock from pyproject.toml (needs PyPI)"

# Exact versions come from the lock (every file checked against its hash); pyproject.toml
# keeps the lower bounds. `make lock` refreshes the lock files after a change of bounds.
$(STAMP): pyproject.toml requirements/dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ptdv)" >/dev/null
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/ptdv clean --all
	$(BIN)/ptdv run --plan tld-2021-2023 --period 2021-H1 --units none
	$(BIN)/ptdv run --plan bac-giang-2023-2028 --period 2026-H1
	PTDV_MAIL_FROM=ban-to-chuc@bac-giang.example.org $(BIN)/ptdv send --dry-run \
	  --plan bac-giang-2023-2028 --period 2026-H1 --recipients config/recipients.example.yaml

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP) requirements/bench.lock
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/bench.lock
	touch $(BENCH_STAMP)

# Timings live here, never in tests: medians of repeats, ratios of commands run in turn.
bench: $(BENCH_STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean-outputs:
	rm -rf data/processed/*/ reports/*/

# Reader-facing words: refresh the catalogues after changing a word in the code or templates
# (then translate what `pybabel update` marked new or fuzzy in lib/ptdv/locale/*/LC_MESSAGES).
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -o lib/ptdv/locale/ptdv.pot --no-location --sort-output \
	  --project ptdv --version 0.1.0 --copyright-holder "the ptdv developers" .
	$(BIN)/pybabel update -i lib/ptdv/locale/ptdv.pot -d lib/ptdv/locale -D ptdv \
	  --ignore-obsolete

# The lock files: every package pinned with its hashes, resolved for CPython 3.11 on Linux
# x86_64 by uv (installed into .venv for this alone). Run after changing pyproject.toml.
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --python-version 3.11 \
	--python-platform x86_64-manylinux_2_28 --generate-hashes --no-header --quiet \
	--index-url https://pypi.org/simple

lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv
	$(UV_COMPILE) --extra dev -o requirements/dev.lock
	$(UV_COMPILE) --extra dev --extra bench -o requirements/bench.lock

audit: $(STAMP)
	$(BIN)/python scripts/audit_lock.py requirements/dev.lock requirements/bench.lock
