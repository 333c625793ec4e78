# The images docker-compose.yml names, made to exist on this machine: pulled where an image
# registry answers; where none does, stand-ins built from the local Debian base and tagged with
# the official names; reused as long as their inputs are the same (a label holds a hash of them).
# shellcheck shell=bash

INPUTS_LABEL=org.manim-render.inputs
STAND_IN_LABEL=org.manim-render.stand-in
DEBIAN_BASE=debian:bookworm-slim
STAND_INS_DIR="$PROJECT_ROOT/scripts/local-images"

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }
image_id() { docker image inspect --format '{{.Id}}' "$1"; }
image_label() { docker image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true; }

# try_pull NAME: pulls NAME; on failure says why in one line and returns 1.
try_pull() {
  local output
  say "pulling $1"
  if output=$(docker pull "$1" 2>&1); then return 0; fi
  say "cannot pull $1: $(printf '%s\n' "$output" | tail -n 1)"
  return 1
}

# hash_of_files DIR PATH...: a short hash of the names and contents of the files under the PATHs
# (relative to DIR).
hash_of_files() {
  local dir=$1
  shift
  (cd "$dir" && find "$@" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-12
}

hash_of_text() { printf '%s\n' "$@" | sha256sum | cut -c1-12; }

# build_image TAG INPUTS CONTEXT [docker build options...]: builds with the host's network (where
# the package registries are reachable) and labels the image with INPUTS.
build_image() {
  local tag=$1 inputs=$2 context=$3
  shift 3
  docker build --network host --force-rm --label "$INPUTS_LABEL=$inputs" --tag "$tag" "$@" "$context" >&2 ||
    fail "building $tag failed" "read the build output above"
}

# ensure_debian_base: sets DEBIAN_BASE_IMAGE to debian:bookworm-slim when it is present or can be
# pulled, else to the base scripts/build-local-base-image.sh builds from this machine's apt mirror
# (the same one `npm run prepare-image` uses).
DEBIAN_BASE_IMAGE=
ensure_debian_base() {
  if [ -n "$DEBIAN_BASE_IMAGE" ]; then return 0; fi
  if image_exists "$DEBIAN_BASE" || try_pull "$DEBIAN_BASE"; then
    DEBIAN_BASE_IMAGE=$DEBIAN_BASE
    return 0
  fi
  local script="$PROJECT_ROOT/scripts/build-local-base-image.sh"
  local tag
  tag="manim-render-base:bookworm-$(sha256sum "$script" | cut -c1-12)"
  if ! image_exists "$tag"; then
    say "building $tag, a Debian bookworm base from this machine's apt mirror (a few minutes)"
    is_root || fail "no image registry answers and building a local Debian base needs root" \
      "run this script as root once, or make $DEBIAN_BASE available (docker pull or docker load)"
    bash "$script" "$tag" || fail "building $tag failed" "read the output above"
  fi
  DEBIAN_BASE_IMAGE=$tag
}

# ensure_image NAME KIND: NAME is used as it is when it was pulled or loaded; otherwise it is
# pulled, and where that fails a stand-in is built by `build_KIND_stand_in NAME INPUTS`, unless
# one built from the same inputs (`KIND_inputs NAME`) is there already.
ensure_image() {
  local name=$1 kind=$2
  if image_exists "$name" && [ -z "$(image_label "$name" "$STAND_IN_LABEL")" ]; then
    say "$name is present"
    return 0
  fi
  # Missing, or a stand-in: the real image wins as soon as a registry answers.
  if try_pull "$name"; then
    docker image prune --force --filter "label=$INPUTS_LABEL" >/dev/null
    return 0
  fi
  ensure_debian_base
  local inputs
  inputs=$("${kind}_inputs" "$name")
  if image_exists "$name" && [ "$(image_label "$name" "$INPUTS_LABEL")" = "$inputs" ]; then
    say "$name is present (a local stand-in)"
    return 0
  fi
  say "building $name as a local stand-in on $DEBIAN_BASE_IMAGE"
  "build_${kind}_stand_in" "$name" "$inputs"
  docker image prune --force --filter "label=$INPUTS_LABEL" >/dev/null
}

redis_inputs() {
  printf '%s %s\n' "$(hash_of_files "$STAND_INS_DIR/redis" .)" "$(image_id "$DEBIAN_BASE_IMAGE")" | sha256sum | cut -c1-12
}

build_redis_stand_in() {
  build_image "$1" "$2" "$STAND_INS_DIR/redis" --label "$STAND_IN_LABEL=$1" \
    --build-arg "BASE_IMAGE=$DEBIAN_BASE_IMAGE"
}

seaweedfs_inputs() {
  printf '%s %s %s\n' "$(hash_of_files "$STAND_INS_DIR/seaweedfs" .)" "$(image_id "$DEBIAN_BASE_IMAGE")" "$1" |
    sha256sum | cut -c1-12
}

# The stand-in installs the version the official tag names (chrislusf/seaweedfs:4.48 -> 4.48).
build_seaweedfs_stand_in() {
  build_image "$1" "$2" "$STAND_INS_DIR/seaweedfs" --label "$STAND_IN_LABEL=$1" \
    --build-arg "BASE_IMAGE=$DEBIAN_BASE_IMAGE" --build-arg "SEAWEEDFS_VERSION=${1##*:}"
}

# The Node stand-in carries this machine's Node.js, so it must be the major version the official
# name promises.
host_node() {
  local name=$1 node npm_dir
  node=$(command -v node) || fail "no image registry answers and there is no Node.js on this machine to build $name from" \
    "make $name available (docker pull or docker load), or install Node.js $(node_major "$name")"
  node=$(readlink -f "$node")
  npm_dir=$(dirname "$(readlink -f "$(command -v npm)")")/..
  [ -f "$npm_dir/package.json" ] || fail "npm not found next to $node" "install npm"
  local major
  major=$("$node" -p 'process.versions.node.split(".")[0]')
  [ "$major" = "$(node_major "$name")" ] || fail "this machine's Node.js is $("$node" --version), but $name needs Node.js $(node_major "$name")" \
    "make $name available (docker pull or docker load), or install Node.js $(node_major "$name") here"
  HOST_NODE=$node
  HOST_NPM_DIR=$(cd "$npm_dir" && pwd)
}

node_major() { local tag=${1#*:}; printf '%s' "${tag%%[.-]*}"; }

# npm settings the build needs to reach the registry from here: the registry and the CA file
# (the Debian base carries this machine's CAs in the system bundle); no update notices.
host_npmrc() {
  printf 'update-notifier=false\n'
  printf 'registry=%s\n' "$(npm config get registry 2>/dev/null)"
  local cafile
  cafile=$(npm config get cafile 2>/dev/null)
  if [ -n "$cafile" ] && [ "$cafile" != null ] && [ "$cafile" != undefined ]; then
    printf 'cafile=/etc/ssl/certs/ca-certificates.crt\n'
  fi
}

node_inputs() {
  host_node "$1"
  {
    hash_of_files "$STAND_INS_DIR/node" .
    sha256sum "$HOST_NODE" | cut -c1-64
    sha256sum "$HOST_NPM_DIR/package.json" | cut -c1-64
    host_npmrc
    image_id "$DEBIAN_BASE_IMAGE"
  } | sha256sum | cut -c1-12
}

build_node_stand_in() {
  host_node "$1"
  local context
  context=$(mktemp -d "${TMPDIR:-/tmp}/manim-node-stand-in.XXXXXX")
  local status=0
  (
    cp "$STAND_INS_DIR/node/Dockerfile" "$context/" && cp "$HOST_NODE" "$context/node" &&
      cp -r "$HOST_NPM_DIR" "$context/npm" &&
      host_npmrc >"$context/npmrc" &&
      build_image "$1" "$2" "$context" --label "$STAND_IN_LABEL=$1" \
      --build-arg "BASE_IMAGE=$DEBIAN_BASE_IMAGE"
  ) || status=$?
  rm -rf "$context"
  [ "$status" -eq 0 ] || exit "$status"
}

# The app image's base: the default of `ARG BASE_IMAGE` in backend/Dockerfile.
APP_BASE_IMAGE=$(sed -n 's/^ARG BASE_IMAGE=//p' "$PROJECT_ROOT/backend/Dockerfile" | head -n 1)

# What backend/Dockerfile copies (see .dockerignore), and the base: the app image is rebuilt when
# one of them changes.
APP_IMAGE_INPUTS=(.dockerignore backend/Dockerfile package.json package-lock.json tsconfig.json
  tsconfig.build.json backend/src backend/playground backend/render-image backend/render-scripts)

ensure_app_image() {
  local name=$1
  ensure_image "$APP_BASE_IMAGE" node
  local inputs
  inputs=$(hash_of_text "$(hash_of_files "$PROJECT_ROOT" "${APP_IMAGE_INPUTS[@]}")" "$(image_id "$APP_BASE_IMAGE")")
  if image_exists "$name" && [ "$(image_label "$name" "$INPUTS_LABEL")" = "$inputs" ]; then
    say "$name is up to date"
    return 0
  fi
  local repository=$name
  if [[ ${name##*/} == *:* ]]; then repository=${name%:*}; fi
  say "building $name (npm install and tsc in the image: a few minutes the first time)"
  # The build stage gets a tag of its own, so that its layers (the npm install above all) stay
  # as the cache of the next build, and older ones become dangling and are removed.
  local options=(--file "$PROJECT_ROOT/backend/Dockerfile" --label "$STAND_IN_LABEL=")
  build_image "$repository:build-stage" "$inputs" "$PROJECT_ROOT" "${options[@]}" --target build
  build_image "$name" "$inputs" "$PROJECT_ROOT" "${options[@]}"
  docker image prune --force --filter "label=$INPUTS_LABEL" >/dev/null
}

# ensure_render_images APP_IMAGE: the render image of every Manim version the deployment serves
# (MANIM_VERSIONS, RENDER_IMAGE and RENDER_IMAGE_CJK_LATEX from .env), as the app lists them: a
# configured image is pulled when missing; a local one is built from backend/render-image under
# the tag the app computes. The versions share the system layers (TeX, fonts), built once.
ensure_render_images() {
  local app=$1 listing line name
  local settings=()
  for variable in MANIM_VERSIONS RENDER_IMAGE RENDER_IMAGE_CJK_LATEX; do
    local value
    value=$(env_file_setting "$variable")
    if [ -n "$value" ]; then settings+=(--env "$variable=$value"); fi
  done
  listing=$(docker run --rm --network none "${settings[@]}" "$app" \
    node dist/backend/src/cli/prepare-render-image.js --list) ||
    fail "cannot list the render images with $app" "fix the settings it names above in .env, or rebuild it: docker rmi $app"
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    read -r -a words <<<"$line"
    name=${words[0]}
    if image_exists "$name"; then
      say "render image $name is present"
      continue
    fi
    if [ "${#words[@]}" -eq 1 ]; then
      try_pull "$name" || fail "the render image $name (RENDER_IMAGE) is missing and cannot be pulled" \
        "pull it where a registry answers and docker load it here, or leave RENDER_IMAGE empty to build the local ones"
      continue
    fi
    ensure_debian_base
    local build_args=(--build-arg "BASE_IMAGE=$DEBIAN_BASE_IMAGE")
    for word in "${words[@]:1}"; do build_args+=(--build-arg "$word"); done
    say "building the render image $name (Manim, cairo, fonts and LaTeX: ten minutes or more for the first)"
    docker build --network host --force-rm "${build_args[@]}" \
      --label "org.manim-render.recipe=$name" --tag "$name" "$PROJECT_ROOT/backend/render-image" >&2 ||
      fail "building the render image $name failed" "read the build output above"
  done <<<"$listing"
}
