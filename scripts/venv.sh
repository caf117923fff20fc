# Sourced by run.sh and test.sh: make .venv and install requirements.txt when it changed.
# The distribution's Python 3.11 first: Debian builds it with profile-guided and link-time
# optimisation, and the pages run about a tenth faster on it than on a default source build such
# as pyenv's (README, "Running at scale"). PYTHON=… chooses another.
python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in /usr/bin/python3.11 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import ensurepip, venv' 2>/dev/null; then
      python=$candidate
      break
    fi
  done
  python=${python:-python3}
fi
if [ ! -x .venv/bin/python ]; then
  echo "Creating the virtual environment in .venv"
  "$python" -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -r requirements.txt
  echo "$want" > "$stamp"
fi
export PATH="$PWD/.venv/bin:$PATH"
