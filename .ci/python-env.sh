# shellcheck shell=bash
# The Python environment of the mlflow flavor's tests: a venv with the pinned packages of
# .ci/requirements-mlflow.txt, cached under
#   ${XDG_CACHE_HOME:-$HOME/.cache}/zenml-model-deployer/venv-<hash of the requirements and python version>
# so a second run (and every CI run on the same machine) reuses it in a second.
#
#   source .ci/python-env.sh   # builds or reuses the venv, exports ZENML_TEST_PYTHON and ZENML_TEST_MLFLOW
#   bash .ci/python-env.sh     # the same, for a shell that only needs the venv to exist (the tests find it by path)
#
# ZENML_PYTHON picks the interpreter that creates the venv (default python3; mlflow 3 needs 3.10 or later).
# .ci/run sources this file, so it returns instead of exiting and never changes the caller's shell options.

_zenml_python_env() {
  local root req python key cache venv log lock_fd
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" || return 1
  req="$root/.ci/requirements-mlflow.txt"
  python="${ZENML_PYTHON:-python3}"
  if ! command -v "$python" >/dev/null 2>&1; then
    echo "python-env: $python not found; install Python 3.10+ or set ZENML_PYTHON" >&2
    return 1
  fi
  if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
    echo "python-env: $("$python" --version 2>&1) is too old; mlflow 3 needs Python 3.10+ (set ZENML_PYTHON)" >&2
    return 1
  fi
  # The key covers what makes a venv different: the pins and the interpreter's version.
  key="$( { cat "$req"; "$python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-16)"
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/zenml-model-deployer"
  venv="$cache/venv-$key"
  mkdir -p "$cache" || return 1

  # One builder at a time: a second CI job on the machine waits here and then reuses the venv.
  exec {lock_fd}>"$cache/venv-$key.lock" || return 1
  flock "$lock_fd"
  if [ -f "$venv/.complete" ] && _zenml_venv_works "$venv"; then
    echo "python-env: reusing $venv"
  else
    [ -e "$venv" ] && echo "python-env: $venv is incomplete or broken; rebuilding"
    rm -rf "$venv"
    log="$cache/venv-$key.install.log"
    local started=$SECONDS
    echo "python-env: creating $venv (a few minutes on the first run; pip output in $log)"
    if ! { "$python" -m venv "$venv" &&
      "$venv/bin/python" -m pip install --quiet --upgrade pip &&
      "$venv/bin/python" -m pip install --quiet -r "$req"; } >"$log" 2>&1; then
      echo "python-env: installing $req failed; last lines of $log:" >&2
      tail -n 20 "$log" >&2
      rm -rf "$venv"
      flock -u "$lock_fd"
      exec {lock_fd}>&-
      return 1
    fi
    if ! _zenml_venv_works "$venv" || ! "$venv/bin/mlflow" --version >>"$log" 2>&1; then
      echo "python-env: the new venv cannot run mlflow; see $log" >&2
      rm -rf "$venv"
      flock -u "$lock_fd"
      exec {lock_fd}>&-
      return 1
    fi
    # Written last: a venv without it was interrupted mid-install and is never reused.
    touch "$venv/.complete"
    echo "python-env: created $venv in $((SECONDS - started))s"
  fi
  flock -u "$lock_fd"
  exec {lock_fd}>&-

  export ZENML_TEST_PYTHON="$venv/bin/python"
  export ZENML_TEST_MLFLOW="$venv/bin/mlflow"
  echo "python-env: ZENML_TEST_PYTHON=$ZENML_TEST_PYTHON"
  echo "python-env: ZENML_TEST_MLFLOW=$ZENML_TEST_MLFLOW"
}

# True when the venv's interpreter runs and finds every package the tests use. find_spec, not import:
# importing mlflow takes seconds, and a reused venv should cost none.
_zenml_venv_works() {
  [ -x "$1/bin/mlflow" ] && [ -x "$1/bin/uvicorn" ] &&
    "$1/bin/python" -c '
import importlib.util, sys
missing = [m for m in ("mlflow", "sklearn", "pandas", "onnx", "onnxruntime", "uvicorn") if importlib.util.find_spec(m) is None]
sys.exit(1 if missing else 0)' >/dev/null 2>&1
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  # Executed rather than sourced: build the venv and report; the exports die with this shell.
  _zenml_python_env
  exit $?
fi
if _zenml_python_env; then
  unset -f _zenml_python_env _zenml_venv_works
  return 0
fi
unset -f _zenml_python_env _zenml_venv_works
return 1
