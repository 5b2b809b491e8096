# shellcheck shell=bash
# The Kubernetes control plane and the real controllers of the seldon/kserve flavors' tests, built from source once and
# cached under ${XDG_CACHE_HOME:-$HOME/.cache}/zenml-model-deployer/, each piece keyed by what it is built from:
#   k8s-<key>/bin/      kube-apiserver, kube-controller-manager, kube-scheduler (k8s.io/kubernetes v1.37.2, staging
#                       modules at v0.37.2) and etcd (v3.7.0): .ci/k8s/go.mod, go.sum, etcd/main.go, go version
#   kwok-<key>/         bin/kwok (sigs.k8s.io/kwok v0.8.0, the kubelet of fake nodes) and stage/ (its module's stages)
#   seldon-<key>/       bin/seldon-manager and config/ (Seldon Core 1.17.1's operator: ../shared/k8s tarball)
#   kserve-<key>/       bin/kserve-manager and config/ (KServe 0.20.0's manager: ../shared/k8s tarball)
# Cold, on 2 cores: about 14 min for the control plane, 3 for kwok, 7 for Seldon, 15 for KServe (each build's time is
# printed); warm, a second. A directory is reused only with its .complete marker (written last).
#
#   source .ci/k8s-env.sh   # builds or reuses everything, exports the ZENML_TEST_* paths below
#   bash .ci/k8s-env.sh     # the same, for a shell that only needs the binaries to exist
#
# Exports ZENML_TEST_KUBE_APISERVER, ZENML_TEST_ETCD, ZENML_TEST_KUBE_CONTROLLER_MANAGER, ZENML_TEST_KUBE_SCHEDULER,
# ZENML_TEST_KWOK, ZENML_TEST_KWOK_STAGES, ZENML_TEST_SELDON_OPERATOR, ZENML_TEST_KSERVE_MANAGER (each controller's
# config/ sits beside its bin/). ZENML_K8S_SHARED names the folder of the controllers' tarballs (default ../shared/k8s).
# .ci/run sources this file, so it returns instead of exiting and never changes the caller's shell options.

KWOK_VERSION=v0.8.0

# _zenml_k8s_build NAME KEY BUILD-FUNCTION: run the build into the cache dir NAME-KEY once, under a lock; prints the dir.
_zenml_k8s_build() {
  local name=$1 key=$2 build=$3 cache dir log lock_fd started
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/zenml-model-deployer"
  dir="$cache/$name-$key"
  mkdir -p "$cache" || return 1
  # One builder at a time: a second job on the machine waits here and then reuses the build.
  exec {lock_fd}>"$dir.lock" || return 1
  flock "$lock_fd"
  if [ -f "$dir/.complete" ]; then
    echo "k8s-env: $name: reusing $dir" >&2
  else
    rm -rf "$dir"
    mkdir -p "$dir/bin"
    log="$dir.build.log"
    started=$SECONDS
    echo "k8s-env: $name: building into $dir (log in $log)" >&2
    if ! "$build" "$dir" >"$log" 2>&1; then
      echo "k8s-env: $name: the build failed; last lines of $log:" >&2
      tail -n 20 "$log" >&2
      rm -rf "$dir"
      flock -u "$lock_fd"
      exec {lock_fd}>&-
      return 1
    fi
    touch "$dir/.complete"
    echo "k8s-env: $name: built in $((SECONDS - started))s" >&2
  fi
  flock -u "$lock_fd"
  exec {lock_fd}>&-
  printf '%s\n' "$dir"
}

_zenml_build_control_plane() {
  (cd "$_zenml_k8s_src" && go build -trimpath -ldflags='-s -w' -o "$1/bin/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler &&
    go build -trimpath -ldflags='-s -w' -o "$1/bin/etcd" ./etcd)
}

_zenml_build_kwok() {
  local mod
  GOBIN="$1/bin" go install -trimpath -ldflags='-s -w' "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" || return 1
  # Outside any module, so that nothing edits .ci/k8s/go.mod or go.sum.
  mod="$(cd "$1" && go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  [ -d "$mod/kustomize/stage" ] || { echo "no kustomize/stage in $mod"; return 1; }
  cp -r "$mod/kustomize/stage" "$1/stage" && chmod -R u+w "$1/stage"
}

# _zenml_build_controller DIR TARBALL TOP PACKAGE BINARY: unpack the controller's pinned source, build it, keep config/.
_zenml_build_controller() {
  local dir=$1 tarball=$2 top=$3 package=$4 binary=$5
  mkdir -p "$dir/src" && tar -xzf "$tarball" -C "$dir/src" || return 1
  (cd "$dir/src/$top" && go build -trimpath -ldflags='-s -w' -o "$dir/bin/$binary" "$package") || return 1
  mv "$dir/src/$top/config" "$dir/config" && cp "$dir/src/$top/LICENSE" "$dir/LICENSE" && rm -rf "$dir/src"
}
_zenml_build_seldon() { _zenml_build_controller "$1" "$_zenml_shared/seldon-core-operator-1.17.1.tar.gz" seldon-core-operator-1.17.1 . seldon-manager; }
_zenml_build_kserve() { _zenml_build_controller "$1" "$_zenml_shared/kserve-0.20.0.tar.gz" kserve-0.20.0 ./cmd/manager kserve-manager; }

_zenml_k8s_env() {
  local root gov k8s kwok seldon kserve tarball
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" || return 1
  _zenml_k8s_src="$root/.ci/k8s"
  _zenml_shared="${ZENML_K8S_SHARED:-$root/../shared/k8s}"
  if ! command -v go >/dev/null 2>&1; then
    echo "k8s-env: go not found; the control plane and the controllers are built from source (Go 1.26+)" >&2
    return 1
  fi
  for tarball in seldon-core-operator-1.17.1.tar.gz kserve-0.20.0.tar.gz; do
    [ -f "$_zenml_shared/$tarball" ] || { echo "k8s-env: $_zenml_shared/$tarball not found (set ZENML_K8S_SHARED)" >&2; return 1; }
  done
  gov="$(go version)"
  k8s=$(_zenml_k8s_build k8s "$( { cat "$_zenml_k8s_src/go.mod" "$_zenml_k8s_src/go.sum" "$_zenml_k8s_src/etcd/main.go"; echo "$gov"; } | sha256sum | cut -c1-16)" _zenml_build_control_plane) || return 1
  kwok=$(_zenml_k8s_build kwok "$(echo "$KWOK_VERSION $gov" | sha256sum | cut -c1-16)" _zenml_build_kwok) || return 1
  seldon=$(_zenml_k8s_build seldon "$( { cat "$_zenml_shared/seldon-core-operator-1.17.1.tar.gz"; echo "$gov"; } | sha256sum | cut -c1-16)" _zenml_build_seldon) || return 1
  kserve=$(_zenml_k8s_build kserve "$( { cat "$_zenml_shared/kserve-0.20.0.tar.gz"; echo "$gov"; } | sha256sum | cut -c1-16)" _zenml_build_kserve) || return 1

  export ZENML_TEST_KUBE_APISERVER="$k8s/bin/kube-apiserver"
  export ZENML_TEST_ETCD="$k8s/bin/etcd"
  export ZENML_TEST_KUBE_CONTROLLER_MANAGER="$k8s/bin/kube-controller-manager"
  export ZENML_TEST_KUBE_SCHEDULER="$k8s/bin/kube-scheduler"
  export ZENML_TEST_KWOK="$kwok/bin/kwok"
  export ZENML_TEST_KWOK_STAGES="$kwok/stage"
  export ZENML_TEST_SELDON_OPERATOR="$seldon/bin/seldon-manager"
  export ZENML_TEST_KSERVE_MANAGER="$kserve/bin/kserve-manager"
  env | grep '^ZENML_TEST_\(KUBE\|ETCD\|KWOK\|SELDON\|KSERVE\)' | sort | sed 's/^/k8s-env: /'
}

_zenml_k8s_cleanup() {
  unset -f _zenml_k8s_env _zenml_k8s_build _zenml_build_control_plane _zenml_build_kwok _zenml_build_controller \
    _zenml_build_seldon _zenml_build_kserve _zenml_k8s_cleanup
  unset _zenml_k8s_src _zenml_shared KWOK_VERSION
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  _zenml_k8s_env
  exit $?
fi
if _zenml_k8s_env; then
  _zenml_k8s_cleanup
  return 0
fi
_zenml_k8s_cleanup
return 1
