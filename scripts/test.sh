#!/usr/bin/env bash
# Installs everything (see install.sh --dev) and runs the whole check: ruff, mypy, pytest (unit,
# integration, LLM, browser, Chroma-server contract tests) and the quick evaluation with its floors.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --dev

export GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

echo "==> ruff and mypy"
.venv/bin/ruff check .
.venv/bin/mypy

# A Chroma server on loopback for the HTTP-client contract tests.
CHROMA_DIR="$(mktemp -d)"
CHROMA_PORT="${ASKER_TEST_CHROMA_PORT:-8765}"
.venv/bin/chroma run --host 127.0.0.1 --port "$CHROMA_PORT" --path "$CHROMA_DIR" \
  >"$CHROMA_DIR/server.log" 2>&1 &
CHROMA_PID=$!
trap 'kill $CHROMA_PID 2>/dev/null || true; rm -rf "$CHROMA_DIR"' EXIT
for _ in $(seq 1 60); do
  .venv/bin/python -c "import httpx,sys; httpx.get('http://127.0.0.1:$CHROMA_PORT/api/v2/heartbeat').raise_for_status()" 2>/dev/null && break
  sleep 1
done
export ASKER_TEST_CHROMA_URL="http://127.0.0.1:$CHROMA_PORT"

echo "==> pytest"
.venv/bin/python -m pytest -q "$@"

echo "==> quick evaluation (extractive answerer) against the floors"
.venv/bin/python -m evals check
