#!/usr/bin/env bash
# Prepares .ringsim-bundle/ (in .gitignore: never committed) for a GPU session,
# whose bare CUDA image lacks this machine's packages:
#
#     bash calibrate/scripts/make_bundle.sh [build-cal/ringsim]
#     run(command="RINGSIM=.ringsim-bundle/ringsim GIT_SHA=<sha> bash calibrate/scripts/run_on_gpu.sh",
#         carry=[".ringsim-bundle"])
#
# Always: the header-only libraries the calibrate/ programs compile against, CLI11
# (/usr/include/CLI, libcli11-dev) and nlohmann-json (/usr/include/nlohmann,
# nlohmann-json3-dev), in .ringsim-bundle/include, where calibrate/CMakeLists.txt looks when
# the device has no such package. So carry .ringsim-bundle on every GPU run.
#
# Optionally, for a session that wants ringsim itself to run on the device: a ringsim built
# here (the argument, default build-cal/ringsim, if it exists) and the shared libraries it
# needs, leaving out the C and C++ runtimes (libc, libm, libstdc++, libgcc_s, the loader),
# which the device's newer system provides, with a wrapper .ringsim-bundle/ringsim that sets
# LD_LIBRARY_PATH and RINGSIM_HWMODELS (the repository's hwmodels/ beside it). That part is
# x86-64 and was built against this machine's glibc; the device must have the same or a newer
# one (ldd --version here says which).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${1:-build-cal/ringsim}"
dest=.ringsim-bundle
if [[ $# -ge 1 && ! -x "$bin" ]]; then
  echo "make_bundle.sh: no ringsim binary at $bin" >&2
  exit 2
fi
for header in /usr/include/CLI/CLI.hpp /usr/include/nlohmann/json.hpp; do
  [[ -f "$header" ]] || { echo "make_bundle.sh: $header missing (install libcli11-dev and nlohmann-json3-dev)" >&2; exit 2; }
done
rm -rf "$dest"
mkdir -p "$dest/include"
cp -r /usr/include/CLI /usr/include/nlohmann "$dest/include/"
if [[ ! -x "$bin" ]]; then
  echo "make_bundle.sh: $(du -sh "$dest" | cut -f1) in $dest (headers only; no ringsim at $bin)"
  exit 0
fi
mkdir -p "$dest/lib"
cp "$bin" "$dest/ringsim.bin"
ldd "$bin" | awk '/=> \//{print $3}' | while read -r lib; do
  case "$(basename "$lib")" in
    libc.so* | libm.so* | libdl.so* | libpthread.so* | librt.so* | ld-linux* | libgcc_s.so* | libstdc++.so*) ;;
    *) cp -L "$lib" "$dest/lib/" ;;
  esac
done
cat >"$dest/ringsim" <<'WRAPPER'
#!/bin/sh
here="$(cd "$(dirname "$0")" && pwd)"
export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export RINGSIM_HWMODELS="${RINGSIM_HWMODELS:-$here/../hwmodels}"
exec "$here/ringsim.bin" "$@"
WRAPPER
chmod +x "$dest/ringsim"
echo "make_bundle.sh: $(du -sh "$dest" | cut -f1) in $dest ($(ldd --version | head -1))"
"$dest/ringsim" --version
