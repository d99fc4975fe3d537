#!/usr/bin/env bash
# A local durable cluster: PostgreSQL (deploy/postgres.sh, data in .data/pg), the schema applied,
# N silos forming one cluster through the ADO.NET membership table, the simulator and the dashboard.
#
#   deploy/local-cluster.sh [--silos N] [--reset] [--no-demo]
#
# The same as ./run.sh --postgres: one script starts (and stops) every process, so the silos and the
# dashboard always share one cluster id and a stop reaches all of them, PostgreSQL included.
set -euo pipefail
exec "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/run.sh" --postgres "$@"
