#!/usr/bin/env bash
# Copies the front-end files the templates use from node_modules/ (filled by
# `npm ci`) into static/vendor/, so that pages never load anything from outside
# the server. Used by `make install` and by the Dockerfile.
#
#   scripts/vendor.sh [NODE_MODULES_DIR] [DEST_DIR]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="${1:-$root/node_modules}"
dest="${2:-$root/static/vendor}"

need() {
    if [ ! -e "$src/$1" ]; then
        echo "scripts/vendor.sh: $src/$1 is missing; run 'npm ci' first." >&2
        exit 1
    fi
}

need bootstrap/dist/css/bootstrap.min.css
need bootstrap/dist/js/bootstrap.bundle.min.js
need bootstrap-icons/font/bootstrap-icons.min.css
need bootstrap-icons/font/fonts
need htmx.org/dist/htmx.min.js
need jsqr/dist/jsQR.js
need echarts/dist/echarts.min.js
need @expo-google-fonts/noto-serif-sc/400Regular/NotoSerifSC_400Regular.ttf
need @expo-google-fonts/noto-serif-sc/700Bold/NotoSerifSC_700Bold.ttf

# Start from an empty folder so that files of an older version never linger.
rm -rf "$dest"
mkdir -p "$dest/bootstrap" "$dest/bootstrap-icons" "$dest/htmx" "$dest/jsqr" "$dest/echarts" "$dest/fonts"

cp "$src/bootstrap/dist/css/bootstrap.min.css" "$dest/bootstrap/bootstrap.min.css"
cp "$src/bootstrap/dist/js/bootstrap.bundle.min.js" "$dest/bootstrap/bootstrap.bundle.min.js"
# The icon stylesheet refers to its fonts as ./fonts/..., so they stay beside it.
cp "$src/bootstrap-icons/font/bootstrap-icons.min.css" "$dest/bootstrap-icons/bootstrap-icons.min.css"
cp -R "$src/bootstrap-icons/font/fonts" "$dest/bootstrap-icons/fonts"
cp "$src/htmx.org/dist/htmx.min.js" "$dest/htmx/htmx.min.js"
# QR decoding for the receipt desk's phone camera; its licence travels with it.
cp "$src/jsqr/dist/jsQR.js" "$dest/jsqr/jsQR.js"
cp "$src/jsqr/LICENSE" "$dest/jsqr/LICENSE"
# Charts on the dashboards (Apache ECharts); its licence and notice travel with it.
cp "$src/echarts/dist/echarts.min.js" "$dest/echarts/echarts.min.js"
cp "$src/echarts/LICENSE" "$src/echarts/NOTICE" "$dest/echarts/"

# The serif face printed documents are set in (SIL Open Font License), for machines without
# fonts-noto-cjk: core/pdf hands this folder to fontconfig. Not used by the web pages.
fonts="$src/@expo-google-fonts/noto-serif-sc"
cp "$fonts/400Regular/NotoSerifSC_400Regular.ttf" "$dest/fonts/NotoSerifSC-Regular.ttf"
cp "$fonts/700Bold/NotoSerifSC_700Bold.ttf" "$dest/fonts/NotoSerifSC-Bold.ttf"
cp "$fonts/LICENSE_FONT" "$dest/fonts/LICENSE"

echo "static/vendor: bootstrap, bootstrap-icons, htmx, jsqr, echarts and the Noto Serif SC face copied to $dest"
