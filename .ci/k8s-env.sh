# shellcheck shell=bash
# The Kubernetes API server and etcd of the seldon/kserve flavors' tests, built from the Go module proxy
# (.ci/k8s/go.mod: k8s.io/kubernetes v1.37.2 with its staging modules pinned to v0.37.2, etcd v3.7.0) and cached under
#   ${XDG_CACHE_HOME:-$HOME/.cache}/zenml-model-deployer/k8s-<hash of go.mod, go.sum, etcd/main.go and go version>/
# The cold build takes about 9 minutes on 2 cores; every later run (and every CI run on the machine) reuses it.
#
#   source .ci/k8s-env.sh   # builds or reuses the binaries, exports ZENML_TEST_KUBE_APISERVER and ZENML_TEST_ETCD
#   bash .ci/k8s-env.sh     # the same, for a shell that only needs the binaries to exist
#
# .ci/run sources this file, so it returns instead of exiting and never changes the caller's shell options.

_zenml_k8s_env() {
  local root src key cache dir log lock_fd started
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" || return 1
  src="$root/.ci/k8s"
  if ! command -v go >/dev/null 2>&1; then
    echo "k8s-env: go not found; the Kubernetes API server is built from source (Go 1.26+)" >&2
    return 1
  fi
  key="$( { cat "$src/go.mod" "$src/go.sum" "$src/etcd/main.go"; go version; } | sha256sum | cut -c1-16)"
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/zenml-model-deployer"
  dir="$cache/k8s-$key"
  mkdir -p "$cache" || return 1

  # One builder at a time: a second job on the machine waits here and then reuses the binaries.
  exec {lock_fd}>"$dir.lock" || return 1
  flock "$lock_fd"
  if [ -f "$dir/.complete" ] && [ -x "$dir/bin/kube-apiserver" ] && [ -x "$dir/bin/etcd" ]; then
    echo "k8s-env: reusing $dir"
  else
    rm -rf "$dir"
    mkdir -p "$dir/bin"
    log="$dir.build.log"
    started=$SECONDS
    echo "k8s-env: building kube-apiserver and etcd into $dir (about 9 minutes on the first run; log in $log)"
    if ! (cd "$src" && go build -trimpath -ldflags='-s -w' -o "$dir/bin/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver &&
      go build -trimpath -ldflags='-s -w' -o "$dir/bin/etcd" ./etcd) >"$log" 2>&1; then
      echo "k8s-env: the build failed; last lines of $log:" >&2
      tail -n 20 "$log" >&2
      rm -rf "$dir"
      flock -u "$lock_fd"
      exec {lock_fd}>&-
      return 1
    fi
    # Written last: a directory without it was interrupted mid-build and is never reused.
    touch "$dir/.complete"
    echo "k8s-env: built in $((SECONDS - started))s"
  fi
  flock -u "$lock_fd"
  exec {lock_fd}>&-

  export ZENML_TEST_KUBE_APISERVER="$dir/bin/kube-apiserver"
  export ZENML_TEST_ETCD="$dir/bin/etcd"
  echo "k8s-env: ZENML_TEST_KUBE_APISERVER=$ZENML_TEST_KUBE_APISERVER"
  echo "k8s-env: ZENML_TEST_ETCD=$ZENML_TEST_ETCD"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  _zenml_k8s_env
  exit $?
fi
if _zenml_k8s_env; then
  unset -f _zenml_k8s_env
  return 0
fi
unset -f _zenml_k8s_env
return 1
