#!/usr/bin/env bash
# Runs the test suite the way production runs: on throwaway PostgreSQL and
# Redis servers started by scripts/with-services.sh (on SQLite with eager
# Celery, and a loud warning, where the servers are not installed).
#
# Environment:
#   PYTEST_ARGS            extra arguments for pytest (arguments given to this
#                          script are passed on as well)
#   PYTHON                 interpreter to run pytest with (default .venv/bin/python)
#   REQUIRE_REAL_SERVICES  1 = fail instead of falling back to SQLite
#   (and the variables of scripts/with-services.sh)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

PYTHON="${PYTHON:-$root/.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=python3
export PYTHON

# PYTEST_ARGS is split on whitespace on purpose: it holds several arguments.
# shellcheck disable=SC2086
exec bash "$root/scripts/with-services.sh" "$PYTHON" -m pytest ${PYTEST_ARGS:-} "$@"
