#!/usr/bin/env bash
# Builds the Python peers of `npm run bench -- --peers`, once, in the bench's own virtual environments:
#   <root>/zenml    the Python ZenML CLI            (peer of our CLI start figures)
#   <root>/mlflow   mlflow + scikit-learn            (peer of deploy → ready and of the served throughput)
#   <root>/mlserver mlserver + mlserver-sklearn      (peer of the served throughput)
#   <root>/kserve   kserve + scikit-learn + joblib   (peer of the served throughput, v2 REST and gRPC)
# <root> is $ZENML_BENCH_VENV, else ${XDG_CACHE_HOME:-~/.cache}/zenml-model-deployer/bench-venv.
# Four environments, not one: zenml, mlflow, mlserver and kserve pin overlapping packages (pydantic, fastapi,
# sqlalchemy, grpcio) differently, and one resolver run over all of them is slow and fragile.
# Usage: bash bench/python-env.sh [zenml|mlflow|mlserver|kserve]...   (default: all four; a done one is skipped)
set -euo pipefail

root="${ZENML_BENCH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/zenml-model-deployer/bench-venv}"
python="${PYTHON:-python3}"
mkdir -p "$root"

packages_of() {
  case "$1" in
    zenml) echo "zenml[local]" ;;  # [local]: the SQLite store that `flavor list` reads
    mlflow) echo "mlflow scikit-learn pandas" ;;
    # uvloop 0.22+ breaks MLServer 1.7's inference workers ("no current event loop" in Worker._ignore_signals).
    mlserver) echo "mlserver mlserver-sklearn scikit-learn uvloop<0.22" ;;
    # kserve==0.20.0: the release whose manager the kserve flavor is tested against (test/k8s), so the peer is the
    # Python model server of that release (KServe's sklearn runtime image is built on it); a newer kserve would
    # silently change the peer between runs. scikit-learn and joblib as pip resolves them: the model is trained in
    # this environment (bench/train_iris_sklearn.py --joblib-out), so the pickle always matches its scikit-learn.
    kserve) echo "kserve==0.20.0 scikit-learn joblib" ;;
    *) echo "unknown environment $1" >&2; return 1 ;;
  esac
}

build() {
  local name="$1" dir="$root/$1"
  local packages; packages="$(packages_of "$name")"
  # The marker holds the package list: a changed list installs again (into the same environment).
  if [ -f "$dir/.complete" ] && [ "$(cat "$dir/.complete")" = "$packages" ]; then echo "$name: ready in $dir"; return 0; fi
  echo "$name: building in $dir"
  [ -x "$dir/bin/python" ] || "$python" -m venv "$dir"
  # shellcheck disable=SC2086
  "$dir/bin/python" -m pip install --quiet $packages
  printf '%s' "$packages" > "$dir/.complete"
  echo "$name: done"
}

if [ "$#" -eq 0 ]; then set -- zenml mlflow mlserver kserve; fi
for env in "$@"; do build "$env"; done
