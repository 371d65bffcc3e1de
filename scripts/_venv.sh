# Sourced by scripts/start and scripts/check: make .venv and install the given requirements
# file once per content of the requirements files.
set -euo pipefail
req="${1:-requirements.txt}"
py="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$py" -m venv .venv
stamp=".venv/.installed-$(basename "$req" .txt)-$(cat requirements*.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -r "$req"
  touch "$stamp"
fi
