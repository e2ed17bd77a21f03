#!/usr/bin/env bash
# Idempotent set-up shared by scripts/run.sh and scripts/test.sh.
#
#   scripts/setup.sh [EXTRAS] [--system-deps]
#
# EXTRAS is a comma-separated list of the kernel's extras ("postgresql" for run,
# "test,postgresql" for test). The script
#   - finds a Python >= 3.11 with a working venv module (installs Debian's
#     python3-venv when it is missing and we are root),
#   - creates .venv in the repository root when missing and upgrades pip in it,
#   - installs, editable and in one pip call, the kernel with EXTRAS plus every
#     plugins/*/ and themes/*/ that has a setup.cfg or pyproject.toml,
#   - skips all of that when nothing changed: a stamp under .venv records a hash of
#     every setup.cfg/pyproject.toml involved and of the interpreter, and the extras
#     installed (asking for fewer extras than installed needs nothing),
#   - with --system-deps, installs missing Debian packages (wrk, chromium) when root,
#   - always ends with scripts/assets.sh (front-end assets from npm into
#     core/learninghub/static/vendor/; its own stamp keeps it fast), installing
#     Debian's nodejs and npm first when npm is missing and we are root.
#
# Environment: PYTHON (interpreter to build the venv from, default python3),
# LEARNINGHUB_SETUP_FORCE=1 (reinstall even when the stamp matches).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

EXTRAS=""
SYSTEM_DEPS=0
for arg in "$@"; do
  case "$arg" in
    --system-deps) SYSTEM_DEPS=1 ;;
    --extras=*) EXTRAS="${arg#--extras=}" ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    -*) echo "setup.sh: unknown option: $arg" >&2; exit 2 ;;
    *) EXTRAS="$arg" ;;
  esac
done
EXTRAS="${EXTRAS// /}"
case "$EXTRAS" in
  *[!A-Za-z0-9_,.-]*) echo "setup.sh: bad extras list: $EXTRAS" >&2; exit 2 ;;
esac

VENV="$ROOT/.venv"
STAMP="$VENV/.learninghub-setup.stamp"

log() { printf 'setup.sh: %s\n' "$*" >&2; }
warn() { printf 'setup.sh: WARNING: %s\n' "$*" >&2; }
die() { printf 'setup.sh: ERROR: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

# One set-up at a time per checkout (run.sh and test.sh may start together).
if command -v flock >/dev/null 2>&1; then
  lock="${TMPDIR:-/tmp}/learninghub-setup-$(printf '%s' "$ROOT" | sha256sum | cut -c1-16).lock"
  if { exec 9>>"$lock"; } 2>/dev/null; then
    flock -w 900 9 || die "another set-up holds $lock"
  fi
fi

APT_UPDATED=0
apt_install() {
  # apt_install PKG... ; returns non-zero when it could not install.
  if ! is_root; then
    warn "not root: cannot apt-get install $*"
    return 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    warn "apt-get not found: cannot install $*"
    return 1
  fi
  if [ "$APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq || warn "apt-get update failed"
    APT_UPDATED=1
  fi
  log "apt-get install -y $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends "$@"
}

# --- system packages (optional) -------------------------------------------------
if [ "$SYSTEM_DEPS" -eq 1 ]; then
  # "command-or-file:debian-package" pairs; only installed when the command (or the
  # absolute file path) is absent. DejaVu: the fonts of PDF certificates (certificates).
  SYSTEM_PACKAGES=("wrk:wrk" "chromium:chromium"
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf:fonts-dejavu-core")
  missing=()
  for pair in "${SYSTEM_PACKAGES[@]}"; do
    cmd="${pair%%:*}"
    pkg="${pair#*:}"
    if [ "${cmd#/}" != "$cmd" ]; then
      [ -e "$cmd" ] || missing+=("$pkg")
    else
      command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
    fi
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    apt_install "${missing[@]}" || warn "could not install ${missing[*]}; continuing without"
  fi
fi

# --- front-end assets (run last, also when the Python side is up to date) ---------
assets() {
  if ! command -v npm >/dev/null 2>&1; then
    apt_install nodejs npm || warn "could not install Debian's nodejs and npm"
  fi
  "$ROOT/scripts/assets.sh"
}

# --- Python >= 3.11 ---------------------------------------------------------------
py_ok() {
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1
}
PY=""
for cand in "${PYTHON:-python3}" python3 python3.13 python3.12 python3.11; do
  if command -v "$cand" >/dev/null 2>&1 && py_ok "$cand"; then
    PY=$(command -v "$cand")
    break
  fi
done
[ -n "$PY" ] || die "Python >= 3.11 not found (set PYTHON=/path/to/python3.11+)"

# --- virtual environment --------------------------------------------------------
venv_ok() { [ -x "$VENV/bin/python" ] && [ -x "$VENV/bin/pip" ] && py_ok "$VENV/bin/python"; }

if ! venv_ok; then
  if [ -e "$VENV" ]; then
    # An interpreter that vanished (e.g. a removed pyenv version) or is too old.
    [ -O "$VENV" ] || die ".venv does not work for $(id -un) and belongs to someone else; remove it or run as its owner"
    log "existing .venv does not work (no Python >= 3.11 with pip in it); recreating it"
    rm -rf "$VENV"
  fi
  log "creating .venv with $PY ($("$PY" --version 2>&1))"
  if ! "$PY" -m venv "$VENV"; then
    rm -rf "$VENV"
    warn "'$PY -m venv' failed; trying Debian's python3-venv"
    apt_install python3-venv || die "python3 -m venv does not work and python3-venv could not be installed"
    "$PY" -m venv "$VENV" || die "'$PY -m venv' still fails"
  fi
  rm -f "$STAMP"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip || warn "could not upgrade pip; using the bundled one"
fi

# --- what to install ------------------------------------------------------------
# Extras normalised: sorted, unique, comma-separated.
norm_extras() { printf '%s' "$1" | tr ',' '\n' | sed '/^$/d' | sort -u | paste -sd, -; }
EXTRAS=$(norm_extras "$EXTRAS")

meta_files=()
for f in setup.cfg pyproject.toml setup.py; do
  [ -f "$f" ] && meta_files+=("$f")
done
dists=()
shopt -s nullglob
for dir in plugins/*/ themes/*/; do
  dir="${dir%/}"
  if [ -f "$dir/setup.cfg" ] || [ -f "$dir/pyproject.toml" ] || [ -f "$dir/setup.py" ]; then
    dists+=("$dir")
    for f in "$dir/setup.cfg" "$dir/pyproject.toml" "$dir/setup.py"; do
      [ -f "$f" ] && meta_files+=("$f")
    done
  fi
done
shopt -u nullglob

# The stamp holds a hash of the metadata files (paths and contents) and of the
# interpreter, then the extras installed with it. Nothing to do when the hash is
# the same and the requested extras are a subset of the installed ones; a new
# plugin, a changed dependency or a new extra reinstalls.
meta_hash=$(
  {
    readlink -f "$VENV/bin/python"
    for f in "${meta_files[@]}"; do
      printf '== %s\n' "$f"
      cat "$f"
    done
  } | sha256sum | cut -d' ' -f1
)
stamped_hash=""
stamped_extras=""
if [ -f "$STAMP" ]; then
  stamped_hash=$(sed -n 1p "$STAMP")
  stamped_extras=$(sed -n 2p "$STAMP")
fi
if [ "$stamped_hash" = "$meta_hash" ]; then
  union=$(norm_extras "$stamped_extras,$EXTRAS")
  if [ "${LEARNINGHUB_SETUP_FORCE:-0}" != "1" ] && [ "$union" = "$stamped_extras" ] \
     && [ -x "$VENV/bin/learninghub" ]; then
    log "up to date (.venv: kernel[${stamped_extras}] + ${#dists[@]} plugin/theme distributions)"
    assets
    exit 0
  fi
  EXTRAS="$union"   # keep what is already there (e.g. test tools) when adding an extra
fi

kernel_spec="."
[ -n "$EXTRAS" ] && kernel_spec=".[${EXTRAS}]"
pkgs=("-e" "$kernel_spec")
for dir in "${dists[@]}"; do
  pkgs+=("-e" "./$dir")
done

log "installing ${pkgs[*]} (about a minute on a fresh .venv)"
rm -f "$STAMP"
"$VENV/bin/python" -m pip install --quiet --progress-bar off "${pkgs[@]}"
printf '%s\n%s\n' "$meta_hash" "$EXTRAS" > "$STAMP"
log "done"
assets
