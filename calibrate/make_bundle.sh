#!/usr/bin/env bash
# Optional, for a GPU session that wants ringsim itself to run on the device machine, whose
# bare CUDA image lacks ringsim's libraries (SimGrid, yaml-cpp, fmt, Boost, ...):
#
#     bash calibrate/make_bundle.sh [build-cal/ringsim]
#
# copies a ringsim built here and the shared libraries it needs into .ringsim-bundle/ (added to
# .git/info/exclude), leaving out the C and C++ runtimes (libc, libm, libstdc++, libgcc_s, the
# loader), which the device's newer system provides, with a wrapper .ringsim-bundle/ringsim
# that sets LD_LIBRARY_PATH and RINGSIM_HWMODELS (the repository's hwmodels/ beside it). Then:
#
#     run(command="RINGSIM=.ringsim-bundle/ringsim GIT_SHA=<sha> bash calibrate/run_on_gpu.sh",
#         carry=[".ringsim-bundle"])
#
# The bundle is x86-64 and was built against this machine's glibc; the device must have the
# same or a newer one (ldd --version here says which).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-build-cal/ringsim}"
dest=.ringsim-bundle
[[ -x "$bin" ]] || { echo "make_bundle.sh: no ringsim binary at $bin" >&2; exit 2; }
rm -rf "$dest"
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
if [[ -d .git ]] && ! grep -qx '/.ringsim-bundle/' .git/info/exclude 2>/dev/null; then
  echo '/.ringsim-bundle/' >>.git/info/exclude
fi
echo "make_bundle.sh: $(du -sh "$dest" | cut -f1) in $dest ($(ldd --version | head -1))"
"$dest/ringsim" --version
