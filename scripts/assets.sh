#!/usr/bin/env bash
# Front-end assets from npm (package.json + package-lock.json at the repository root),
# copied into core/learninghub/static/vendor/ (git-ignored):
#
#   vendor/htmx.min.js            htmx.org dist/htmx.min.js
#   vendor/alpine.min.js          alpinejs dist/cdn.min.js
#   vendor/hls.min.js             hls.js dist/hls.min.js (the streaming plugin's player)
#   vendor/fonts/<key>.css        @font-face rules, weights 400 and 700 (latin + latin-ext,
#   vendor/fonts/<key>/*.woff2    or arabic for the Arabic fonts), pointing at the copied
#                                 woff2 files; <key> as in learninghub.branding.FONTS
#
# Never from a CDN: everything comes out of node_modules, installed with `npm ci`
# exactly as the lock says. Idempotent and fast when nothing changed:
#   - `npm ci` runs only when node_modules is missing or was installed from another
#     lock (node_modules/.learninghub-lock.sha256 holds the lock's hash);
#   - the copy runs only when the lock or this script changed, or a file is missing
#     (vendor/.stamp).
# npm missing: scripts/setup.sh (as root) installs Debian's nodejs and npm first;
# run on its own, this script stops and says so.
#
# Environment: LEARNINGHUB_ASSETS_FORCE=1 (reinstall and copy again).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

VENDOR="$ROOT/core/learninghub/static/vendor"
LOCK="$ROOT/package-lock.json"
NM="$ROOT/node_modules"
NM_STAMP="$NM/.learninghub-lock.sha256"
VENDOR_STAMP="$VENDOR/.stamp"

log() { printf 'assets.sh: %s\n' "$*" >&2; }
die() { printf 'assets.sh: ERROR: %s\n' "$*" >&2; exit 1; }

# font key (learninghub.branding.FONTS, plus the Arabic fonts) → Fontsource package : subsets
FONTS=(
  "inter:@fontsource/inter:latin,latin-ext"
  "atkinson:@fontsource/atkinson-hyperlegible:latin,latin-ext"
  "merriweather:@fontsource/merriweather:latin,latin-ext"
  "source-serif:@fontsource/source-serif-4:latin,latin-ext"
  "noto-sans-arabic:@fontsource/noto-sans-arabic:arabic"
  "noto-naskh-arabic:@fontsource/noto-naskh-arabic:arabic"
)
WEIGHTS="400,700"
# every file the copy produces besides the fonts' woff2 (checked by the fast path)
EXPECTED=("$VENDOR/htmx.min.js" "$VENDOR/alpine.min.js" "$VENDOR/hls.min.js")
for spec in "${FONTS[@]}"; do
  EXPECTED+=("$VENDOR/fonts/${spec%%:*}.css")
done

[ -f "$LOCK" ] || die "package-lock.json not found in $ROOT"
lock_hash=$(sha256sum "$LOCK" | cut -d' ' -f1)
want_stamp="$lock_hash $(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)"

all_present() {
  local f
  for f in "${EXPECTED[@]}"; do [ -s "$f" ] || return 1; done
}

if [ "${LEARNINGHUB_ASSETS_FORCE:-0}" != "1" ] \
   && [ -f "$NM_STAMP" ] && [ "$(cat "$NM_STAMP")" = "$lock_hash" ] \
   && [ -f "$VENDOR_STAMP" ] && [ "$(cat "$VENDOR_STAMP")" = "$want_stamp" ] && all_present; then
  log "up to date (node_modules and static/vendor match package-lock.json)"
  exit 0
fi

# One run at a time per checkout (a separate lock from setup.sh's, which calls us).
if command -v flock >/dev/null 2>&1; then
  lockfile="${TMPDIR:-/tmp}/learninghub-assets-$(printf '%s' "$ROOT" | sha256sum | cut -c1-16).lock"
  if { exec 8>>"$lockfile"; } 2>/dev/null; then
    flock -w 600 8 || die "another assets run holds $lockfile"
  fi
fi

# --- node_modules ---------------------------------------------------------------
if [ "${LEARNINGHUB_ASSETS_FORCE:-0}" = "1" ] || [ ! -d "$NM" ] || [ ! -f "$NM_STAMP" ] \
   || [ "$(cat "$NM_STAMP")" != "$lock_hash" ]; then
  if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    die "npm and node are needed for the front-end assets. Run scripts/setup.sh as root \
(it installs Debian's nodejs and npm), or: apt-get install -y nodejs npm"
  fi
  log "npm ci ($(node --version), npm $(npm --version))"
  npm ci --no-audit --no-fund --loglevel=error >&2
  printf '%s\n' "$lock_hash" > "$NM_STAMP"
fi
command -v node >/dev/null 2>&1 || die "node is needed to generate the font stylesheets"

# --- copy into static/vendor ----------------------------------------------------
log "copying assets into ${VENDOR#"$ROOT"/}"
rm -rf "$VENDOR.tmp"
mkdir -p "$VENDOR.tmp/fonts"
cp "$NM/htmx.org/dist/htmx.min.js" "$VENDOR.tmp/htmx.min.js"
cp "$NM/alpinejs/dist/cdn.min.js" "$VENDOR.tmp/alpine.min.js"
cp "$NM/hls.js/dist/hls.min.js" "$VENDOR.tmp/hls.min.js"

# Fontsource's <weight>.css holds one @font-face per subset, with its unicode-range;
# keep the wanted subsets, point src at the copied woff2 only (every browser we support
# reads woff2), versioned by content so the year-long static cache stays correct.
node - "$NM" "$VENDOR.tmp/fonts" "$WEIGHTS" "${FONTS[@]}" <<'JS'
const fs = require("fs");
const path = require("path");
const crypto = require("crypto");
const [nm, out, weights, ...specs] = process.argv.slice(2);
for (const spec of specs) {
  const [key, pkg, subsetList] = spec.split(":");
  const subsets = subsetList.split(",");
  const pkgDir = path.join(nm, pkg);
  const version = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"))).version;
  const id = path.basename(pkg);
  fs.mkdirSync(path.join(out, key), { recursive: true });
  for (const lic of ["LICENSE", "LICENSE.md", "OFL.txt"]) {
    if (fs.existsSync(path.join(pkgDir, lic))) {
      fs.copyFileSync(path.join(pkgDir, lic), path.join(out, key, "LICENSE"));
      break;
    }
  }
  const rules = [];
  for (const weight of weights.split(",")) {
    const css = fs.readFileSync(path.join(pkgDir, `${weight}.css`), "utf8");
    const blocks = css.match(/@font-face\s*{[^}]*}/g) || [];
    for (const subset of subsets) {
      const file = `${id}-${subset}-${weight}-normal.woff2`;
      const block = blocks.find((b) => b.includes(`./files/${file}`));
      if (!block) throw new Error(`${pkg}/${weight}.css has no @font-face for ${file}`);
      const data = fs.readFileSync(path.join(pkgDir, "files", file));
      fs.writeFileSync(path.join(out, key, file), data);
      const hash = crypto.createHash("sha256").update(data).digest("hex").slice(0, 12);
      const src = `src: url(${key}/${file}?v=${hash}) format('woff2');`;
      const rule = block.replace(/src:[^;]*;/, src);
      if (!rule.includes(src)) throw new Error(`could not rewrite the src of ${file}`);
      rules.push(`/* ${id} ${subset} ${weight} */\n${rule}`);
    }
  }
  const header = `/* ${pkg} ${version}: weights ${weights}, subsets ${subsets.join(", ")}.\n` +
    `   Generated by scripts/assets.sh from node_modules; do not edit. */\n`;
  fs.writeFileSync(path.join(out, `${key}.css`), header + rules.join("\n") + "\n");
}
JS

rm -rf "$VENDOR"
mv "$VENDOR.tmp" "$VENDOR"
printf '%s\n' "$want_stamp" > "$VENDOR_STAMP"
all_present || die "some vendor files are missing after the copy"
log "done ($(find "$VENDOR" -type f | wc -l) files, $(du -sh "$VENDOR" | cut -f1))"
