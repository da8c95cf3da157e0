"""Every word the price book's pages show exists in Chinese and in English: the keys the templates name,
and the codes they look up by prefix (kinds, units, areas, states, categories, service types)."""

from __future__ import annotations

import re
from pathlib import Path

import anxin.web.pricing_pages  # noqa: F401 (its words join the catalog on import)
from anxin.catalog.codes import CategoryCode, ServiceType
from anxin.pricing.codes import Area, PriceKind, Unit, VersionState
from anxin.web import i18n

TEMPLATES = Path(i18n.__file__).parent / "templates" / "pricing"


def test_every_key_the_templates_name_has_both_languages():
    keys = set()
    for template in TEMPLATES.glob("*.html"):
        keys |= set(re.findall(r"t\('([a-z_]+)'\)", template.read_text()))
    assert len(keys) > 40, keys
    dynamic = (
        [f"pk_{k.value}" for k in PriceKind]
        + [f"unit_{u.value}" for u in Unit]
        + [f"area_{a.value}" for a in Area]
        + [f"pbs_{s.value}" for s in VersionState]
        + [f"pb_cat_{c.value}" for c in CategoryCode]
        + [f"svc_{s.value}" for s in ServiceType]
    )
    for key in sorted(keys | set(dynamic)):
        zh, en = i18n.translate("zh", key), i18n.translate("en", key)
        assert zh != key and en != key and zh != en, key
        if key != "pb_per":  # the slash of ``¥50.00/次``
            assert re.search(r"[\u4e00-\u9fff]", zh), (key, zh)
