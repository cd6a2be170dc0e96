"""Find the hashed files of a Vite build through its manifest, so templates never name
a bundle by hand. See frontend/vite.config.ts: the build writes static/app/ and
static/app/.vite/manifest.json."""

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.templatetags.static import static

BUILD_PREFIX = "app/"
MANIFEST = BUILD_PREFIX + ".vite/manifest.json"
ENTRY = "src/main.tsx"


class ViteManifestError(Exception):
    """The manifest exists but does not describe the entry (a broken or stale build)."""


@dataclass(frozen=True)
class ViteAssets:
    """URLs to put into the page for one entry: the script, its CSS and its imports."""

    script: str
    styles: list[str] = field(default_factory=list)
    preloads: list[str] = field(default_factory=list)


def vite_assets(entry: str = ENTRY) -> ViteAssets | None:
    """The assets of `entry`, or None when the front end has not been built."""
    found = finders.find(MANIFEST)
    if not found:
        return None
    path = Path(found)
    return _assets_from(str(path), path.stat().st_mtime_ns, entry)


@lru_cache(maxsize=8)
def _assets_from(path: str, mtime_ns: int, entry: str) -> ViteAssets:
    # Keyed on the file's mtime: a rebuild during `make run` is picked up without a restart.
    manifest = json.loads(Path(path).read_text(encoding="utf-8"))
    if entry not in manifest:
        raise ViteManifestError(f"{entry} is not in {MANIFEST}; rebuild with `make frontend`")
    chunk = manifest[entry]
    styles: list[str] = []
    preloads: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        # CSS of imported chunks belongs to the page as well (Vite splits it per chunk).
        if name in seen:
            return
        seen.add(name)
        item = manifest[name]
        styles.extend(item.get("css", []))
        for child in item.get("imports", []):
            preloads.append(manifest[child]["file"])
            visit(child)

    visit(entry)
    return ViteAssets(
        script=static(BUILD_PREFIX + chunk["file"]),
        styles=[static(BUILD_PREFIX + f) for f in dict.fromkeys(styles)],
        preloads=[static(BUILD_PREFIX + f) for f in dict.fromkeys(preloads)],
    )
