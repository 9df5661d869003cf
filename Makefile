# 三资清化收 — everyday commands. GNU make.
#
#   make run     install, migrate, load the demo county, serve http://127.0.0.1:8000
#   make test    install, run the whole suite (scripts/test.sh: PostgreSQL + Redis
#                when installed, else SQLite with a loud warning)
#   make bench   run every bench/*.py
#   make clean   remove the virtualenv, node_modules and the copied front-end files
#
# Extra pytest arguments: make test PYTEST_ARGS="-k contracts -x"

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip

PIP_STAMP    := $(VENV)/.installed
NPM_STAMP    := node_modules/.installed
VENDOR_STAMP := static/vendor/.installed

PYTEST_ARGS ?=
export PYTEST_ARGS

.PHONY: install run test bench clean

install: $(PIP_STAMP) $(VENDOR_STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstalled only when pyproject.toml changes.
$(PIP_STAMP): pyproject.toml | $(PY)
	$(PIP) install -e '.[test]'
	touch $@

# Reinstalled only when the lock file changes; npm ci empties node_modules first.
$(NPM_STAMP): package.json package-lock.json .npmrc
	npm ci
	touch $@

$(VENDOR_STAMP): $(NPM_STAMP) scripts/vendor.sh
	bash scripts/vendor.sh
	touch $@

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py collectstatic --noinput
	$(PY) manage.py runserver 127.0.0.1:8000

# The floors (pyproject.toml, [tool.importlinter]) are checked before any test runs.
test: install
	$(VENV)/bin/lint-imports --no-cache
	PYTHON=$(abspath $(PY)) bash scripts/test.sh

bench: install
	@found=0; \
	for script in bench/*.py; do \
		[ -e "$$script" ] || continue; \
		found=1; \
		echo "== $$script"; \
		$(PY) "$$script" || exit $$?; \
	done; \
	if [ "$$found" = 0 ]; then echo "bench/: no benchmark scripts yet."; fi

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles
