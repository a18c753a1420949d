# Shared by scripts/demo, scripts/test and .ci/run (sourced, from the repo root): the project
# virtual environment .venv/, one function per system dependency, and the test wheelhouse.
#
# Why a venv: Debian's and Ubuntu's python3 is EXTERNALLY-MANAGED (PEP 668), so pip refuses to
# install into it; a venv of that same python is the supported way, as root or not.
# Every step says what it did on stderr, prefixed with the script's name.
#
# PYTHON (default python3) is the interpreter the venv is made from.

PYTHON=${PYTHON:-python3}
VENV=.venv
VENV_PY=$PWD/$VENV/bin/python
WHEELHOUSE=.cache/wheelhouse
_SCRIPT=scripts/${0##*/}
_APT_UPDATED=

say() { printf '%s: %s\n' "$_SCRIPT" "$*" >&2; }

# die MESSAGE [HINT]: the error and its hint, exit 2 (a setup problem, not a failed check).
die() {
  printf '%s: error: %s\n' "$_SCRIPT" "$1" >&2
  if [ $# -gt 1 ]; then printf 'hint: %s\n' "$2" >&2; fi
  exit 2
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# apt_install PACKAGE...: install Debian packages, as root only (no sudo behind anyone's back).
apt_install() {
  if [ -z "$_APT_UPDATED" ]; then
    apt-get update -qq
    _APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  say "installed with apt-get: $*"
}

# --- system dependencies: one function each --------------------------------------------------

# need_python_venv: $PYTHON can make a venv with pip (Debian keeps ensurepip in python3-venv).
need_python_venv() {
  command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found" "install Python >= 3.11 (Debian: apt-get install python3) or set PYTHON=/path/to/python3"
  if "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then return 0; fi
  local xy package=python3-venv
  xy=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  if [ -x /usr/bin/python3 ] && [ "$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')" != "$xy" ]; then
    package=python$xy-venv
  fi
  if is_root && command -v apt-get >/dev/null 2>&1; then
    say "$PYTHON cannot create a venv with pip (no ensurepip): installing $package"
    apt_install "$package"
  else
    die "$PYTHON cannot create a virtual environment with pip (ensurepip is missing)" \
      "as root: apt-get install $package  (or run this script as root once)"
  fi
}

# need_redis_server: the tests' and the demo's Redis. Returns 1 when it is missing and cannot be
# installed (not root): the caller decides whether that is fatal.
need_redis_server() {
  if command -v redis-server >/dev/null 2>&1; then return 0; fi
  if is_root && command -v apt-get >/dev/null 2>&1; then
    say "redis-server is missing: installing Debian's"
    apt_install redis-server
    return 0
  fi
  say "redis-server is missing; as root: apt-get install redis-server"
  return 1
}

# need_chromium: Debian's chromium (and a font) for the real-browser mail tests
# (tests/test_mail_browser.py) and `mail preview --screenshot`; STORECTL_CHROMIUM names another
# binary; any Chromium storectl finds on PATH (storectl/mail/browser.py CANDIDATES) will do.
# Returns 1 when it is missing and cannot be installed (not root): those tests skip, or fail
# under CI=true.
need_chromium() {
  if [ -n "${STORECTL_CHROMIUM:-}" ]; then return 0; fi
  local name
  for name in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$name" >/dev/null 2>&1; then return 0; fi
  done
  if is_root && command -v apt-get >/dev/null 2>&1; then
    say "chromium is missing: installing Debian's chromium and fonts-dejavu-core"
    apt_install chromium fonts-dejavu-core
    return 0
  fi
  say "chromium is missing; as root: apt-get install chromium fonts-dejavu-core (or set STORECTL_CHROMIUM)"
  return 1
}

# need_node_packages: node and the pinned node env loaders (testing/node_env: dotenv,
# dotenv-expand, @next/env) that tests/test_env_grammar_node.py compares storectl's grammar with.
# Installs Debian's nodejs/npm as root; `npm ci` into testing/node_env/node_modules (git-ignored),
# skipped while package-lock.json is unchanged. Returns 1 when they are missing and cannot be
# installed: the caller decides whether that is fatal (those tests skip, or fail under CI=true).
NODE_ENV_DIR=testing/node_env
need_node_packages() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    if is_root && command -v apt-get >/dev/null 2>&1; then
      say "node or npm is missing: installing Debian's nodejs and npm"
      apt_install nodejs npm
    else
      say "node or npm is missing; as root: apt-get install nodejs npm"
      return 1
    fi
  fi
  local stamp=$NODE_ENV_DIR/node_modules/.storectl-stamp want
  want=$(sha256sum "$NODE_ENV_DIR/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    say "node packages in $NODE_ENV_DIR/node_modules up to date (package-lock.json unchanged)"
    return 0
  fi
  say "installing the node packages of $NODE_ENV_DIR/package-lock.json (npm ci)"
  if ! npm ci --prefix "$NODE_ENV_DIR" --silent --no-audit --no-fund >&2; then
    say "npm ci failed in $NODE_ENV_DIR: the node differential tests will skip (fail under CI=true)"
    return 1
  fi
  printf '%s\n' "$want" >"$stamp"
}

# need_postgres: Debian's PostgreSQL server binaries (initdb, pg_ctl) for the real-backend tier
# (testing/real_medusa.py runs a private cluster in a temporary folder, never the system service).
# Returns 1 when they are missing and cannot be installed: that tier skips, or fails under CI=true.
need_postgres() {
  if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then
    return 0
  fi
  if is_root && command -v apt-get >/dev/null 2>&1; then
    say "PostgreSQL is missing: installing Debian's postgresql (the real-backend tier's database)"
    apt_install postgresql
    return 0
  fi
  say "PostgreSQL is missing; as root: apt-get install postgresql"
  return 1
}

# need_medusa: the pinned Medusa releases of the real-backend tier (testing/medusa/<version>/), each
# installed with `npm ci` into .cache/medusa/<version>/node_modules (git-ignored), skipped while its
# package-lock.json is unchanged. Medusa 2.x needs node >= 20. Returns 1 when one cannot be
# installed: that tier skips, or fails under CI=true.
MEDUSA_RELEASES_DIR=testing/medusa
need_medusa() {
  command -v node >/dev/null 2>&1 || need_node_packages || return 1
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -lt 20 ]; then
    say "node $(node --version) is too old for Medusa 2.x (needs >= 20): the real-backend tier will fail"
    return 1
  fi
  local lock version home want rc=0
  for lock in "$MEDUSA_RELEASES_DIR"/*/package-lock.json; do
    version=$(basename "$(dirname "$lock")")
    home=.cache/medusa/$version
    want=$(sha256sum "$lock" | cut -d' ' -f1)
    if [ "$(cat "$home/node_modules/.storectl-stamp" 2>/dev/null)" = "$want" ]; then
      say "Medusa $version in $home/node_modules up to date (package-lock.json unchanged)"
      continue
    fi
    say "installing Medusa $version from $lock (npm ci into $home)"
    rm -rf "$home"
    mkdir -p "$home"
    cp "$MEDUSA_RELEASES_DIR/$version/package.json" "$lock" "$home/"
    # --omit=peer: the admin dashboard's and telemetry's peers are not needed (the admin is off)
    if npm ci --prefix "$home" --omit=peer --silent --no-audit --no-fund >&2; then
      printf '%s\n' "$want" >"$home/node_modules/.storectl-stamp"
    else
      say "npm ci failed for Medusa $version: the real-backend tier will skip (fail under CI=true)"
      rc=1
    fi
  done
  return $rc
}

# --- the project venv ---------------------------------------------------------------------------

# venv_ready EXTRA: create .venv (or reuse it) and install storectl[EXTRA] editable into it.
# The install is skipped when .venv already holds this extra for this pyproject.toml.
venv_ready() {
  local extra=$1 stamp want
  stamp=$VENV/.storectl-$1
  want=$(sha256sum pyproject.toml | cut -d' ' -f1)
  if [ -e "$VENV" ] && [ ! -w "$VENV" ]; then
    die "$VENV belongs to $(stat -c %U "$VENV") and $(id -un) cannot write it" \
      "run as that user, or remove $VENV to let this user make its own"
  fi
  if [ -x "$VENV_PY" ] && "$VENV_PY" -c 'import pip' 2>/dev/null; then
    say "using $VENV ($("$VENV_PY" -c 'import sys; print("Python %s, base %s" % (sys.version.split()[0], sys._base_executable))'))"
  else
    if [ -e "$VENV" ]; then
      say "removing $VENV: its python does not run or has no pip"
      rm -rf "$VENV"
    fi
    need_python_venv
    "$PYTHON" -m venv "$VENV" || die "$PYTHON -m venv $VENV failed" "see the message above"
    say "created $VENV with $(command -v "$PYTHON") ($("$VENV_PY" -c 'import sys; print("Python", sys.version.split()[0])'))"
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    say "storectl[$extra] already installed in $VENV (pyproject.toml unchanged)"
    return 0
  fi
  say "installing storectl[$extra] (editable) and its dependencies into $VENV"
  "$VENV_PY" -m pip install --quiet --disable-pip-version-check -e ".[$extra]" ||
    die "pip could not install storectl[$extra] into $VENV" \
      "pip needs a package index (or PIP_NO_INDEX=1 with PIP_FIND_LINKS=a wheel folder)"
  printf '%s\n' "$want" >"$stamp"
}

# --- the wheelhouse -----------------------------------------------------------------------------

# build_wheelhouse: every wheel the fresh-clone and action tests install (storectl[demo]'s
# dependencies, the build backend, pip for pipx), so those tests need no package index. Built for
# Debian's /usr/bin/python3 (markers such as python_full_version differ between interpreters);
# rebuilt only when pyproject.toml or that python changes. STAMP records what it was built for.
WHEELHOUSE_REQUIREMENTS=(".[demo]" "hatchling>=1.18" "editables" "pip")
build_wheelhouse() {
  local python=${STORECTL_WHEELHOUSE_PYTHON:-/usr/bin/python3} pip want
  [ -x "$python" ] || python=$VENV_PY
  if "$python" -m pip --version >/dev/null 2>&1; then
    pip=("$python" -m pip)
  else
    python=$VENV_PY # no pip beside that python (Debian without python3-pip): the venv's
    pip=("$VENV_PY" -m pip)
  fi
  want="python=$python
version=$("$python" -c 'import sys; print(sys.version.split()[0])')
requirements=${WHEELHOUSE_REQUIREMENTS[*]}
pyproject=$(sha256sum pyproject.toml | cut -d' ' -f1)"
  if [ "$(cat "$WHEELHOUSE/STAMP" 2>/dev/null)" = "$want" ]; then
    say "wheelhouse $WHEELHOUSE up to date ($(ls "$WHEELHOUSE"/*.whl | wc -l) wheels for $python)"
    return 0
  fi
  say "building the wheelhouse $WHEELHOUSE for $python (the fresh-clone and action tests install from it)"
  rm -f "$WHEELHOUSE/STAMP"
  mkdir -p "$WHEELHOUSE"
  "${pip[@]}" wheel --quiet --disable-pip-version-check --find-links "$WHEELHOUSE" \
    --wheel-dir "$WHEELHOUSE" "${WHEELHOUSE_REQUIREMENTS[@]}" ||
    die "pip wheel failed: the wheelhouse is incomplete" "pip needs a package index to build it"
  rm -f "$WHEELHOUSE"/storectl-*.whl # the tests build storectl from the checkout itself
  printf '%s\n' "$want" >"$WHEELHOUSE/STAMP"
}
