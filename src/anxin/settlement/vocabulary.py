"""The words a person reads for settlement's codes, in Chinese and English: the pages extend their catalog
with them (``web/settlement_pages.py``), the workbook and the errors name states by them."""

from __future__ import annotations

REVIEW_STATUS_NAMES: dict[str, tuple[str, str]] = {
    "pending": ("待审核", "Awaiting review"),
    "approved": ("审核通过", "Approved"),
    "rejected": ("已驳回", "Rejected"),
}
REVIEW_ACTION_NAMES: dict[str, tuple[str, str]] = {
    "submit": ("提交封单", "Submitted"),
    "resubmit": ("整改后重新提交", "Resubmitted"),
    "approve": ("审核通过", "Approved"),
    "reject": ("驳回", "Rejected"),
}
STATEMENT_STATUS_NAMES: dict[str, tuple[str, str]] = {
    "draft": ("待网点确认", "Awaiting the outlet"),
    "confirmed": ("已确认", "Confirmed"),
    "disputed": ("有异议", "Disputed"),
}
STATEMENT_ACTION_NAMES: dict[str, tuple[str, str]] = {
    "generate": ("生成", "Generated"),
    "regenerate": ("重新生成", "Regenerated"),
    "confirm": ("网点确认", "Confirmed by the outlet"),
    "dispute": ("网点提出异议", "Disputed by the outlet"),
    "resolve": ("品牌方处理异议", "Dispute resolved"),
}
LINE_NAMES: dict[str, tuple[str, str]] = {
    "base": ("服务费", "Service fee"),
    "area": ("距离补贴", "Distance allowance"),
    "urgent": ("加急费", "Urgent surcharge"),
    "rework": ("返修扣款", "Rework deduction"),
    "complaint": ("有责投诉扣款", "Upheld complaint"),
    "penalty_point": ("扣分扣款", "Penalty points"),
}
RULE_KIND_NAMES: dict[str, tuple[str, str]] = LINE_NAMES | {
    "commission": ("工程师提成", "Technician commission"),
    "deposit": ("工程师保证金", "Technician deposit"),
}
LEVEL_NAMES: dict[str, tuple[str, str]] = {
    "junior": ("初级", "Junior"),
    "senior": ("中级", "Senior"),
    "master": ("高级", "Master"),
}
AREA_NAMES: dict[str, tuple[str, str]] = {"urban": ("市区", "Urban"), "suburban": ("郊区", "Suburban")}


def name(table: dict[str, tuple[str, str]], code: str | None, language: str = "zh") -> str:
    if code is None:
        return ""
    zh, en = table.get(code, (code, code))
    return en if language == "en" else zh


def catalog() -> dict[str, tuple[str, str]]:
    """The pages' words: ``clr_<status>``, ``clra_<action>``, ``stm_<status>``, ``stma_<action>``,
    ``sline_<code>``, ``srule_<kind>``, ``slvl_<level>``."""
    words: dict[str, tuple[str, str]] = {}
    for prefix, table in (
        ("clr_", REVIEW_STATUS_NAMES),
        ("clra_", REVIEW_ACTION_NAMES),
        ("stm_", STATEMENT_STATUS_NAMES),
        ("stma_", STATEMENT_ACTION_NAMES),
        ("srule_", RULE_KIND_NAMES),
        ("slvl_", LEVEL_NAMES),
    ):
        words |= {prefix + code: pair for code, pair in table.items()}
    return words
