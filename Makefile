# LOTUS analytics — the whole set-up and the main jobs. `make demo` and `make test` are all a new
# machine needs (Python 3.11+ and make).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
LOTUS := $(VENV)/bin/lotus
STAMP := $(VENV)/.installed
QUARTER ?=
REGION ?= North West

.PHONY: demo report dashboard test benchmark validation lock clean help

help:
	@echo "make demo       set up, build the demo report, then serve the dashboard on http://127.0.0.1:8866"
	@echo "make report     set up and build the demo report only"
	@echo "make dashboard  serve the dashboard (needs a store: make report first)"
	@echo "make test       set up, then run the whole test suite"
	@echo "make benchmark  run the benchmarks (slow; figures go to benchmarks/results/)"
	@echo "make validation run the validation study of the relative likelihood (about 10 minutes; docs/validation.md)"

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

report: $(STAMP)
	$(LOTUS) demo --no-serve $(if $(QUARTER),--quarter "$(QUARTER)") --region "$(REGION)"

demo: $(STAMP)
	$(LOTUS) demo $(if $(QUARTER),--quarter "$(QUARTER)") --region "$(REGION)"

dashboard: $(STAMP)
	$(LOTUS) dashboard

test: $(STAMP)
	$(PY) -m pytest -q

benchmark: $(STAMP)
	$(PY) benchmarks/run.py
	$(PY) benchmarks/timeliness.py
	$(PY) benchmarks/equity.py
	$(PY) benchmarks/dashboard.py

validation: $(STAMP)
	$(PY) -m validation.entry_likelihood --runs 200

lock:
	rm -rf /tmp/lotus-lock; $(PYTHON) -m venv /tmp/lotus-lock && /tmp/lotus-lock/bin/pip install --quiet -e ".[test,benchmark]"
	{ echo "# Every dependency of LOTUS analytics, transitive ones included, pinned. Regenerate with 'make lock'."; \
	  /tmp/lotus-lock/bin/pip freeze --exclude-editable | grep -vi '^lotus'; } > requirements.lock

clean:
	rm -rf $(VENV) data reports/*/ test-artifacts
