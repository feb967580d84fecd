"""The Chinese words printed for the plugin's stored values (unknown values print as they are)."""

from __future__ import annotations

from datetime import date

CATEGORIES = {
    "water_leak": "漏水纠纷",
    "noise": "噪声纠纷",
    "renovation": "装修纠纷",
    "property_fees": "物业费纠纷",
    "neighbour_conflict": "邻里纠纷",
    "family": "婚姻家庭纠纷",
    "parking": "停车纠纷",
    "common_area": "公共区域纠纷",
    "other": "其他纠纷",
}
SOURCES = {
    "application": "当事人申请",
    "court_referral": "人民法院委派",
    "police_referral": "公安机关移送",
    "task_force_referral": "整治专班移送",
    "studio_initiative": "调解组织主动调解",
}
STATES = {
    "applied": "已申请",
    "referred": "已移送",
    "accepted": "已受理",
    "in_mediation": "调解中",
    "agreed": "达成协议",
    "failed": "调解不成",
    "refused": "不予调解",
    "performing": "履行中",
    "fulfilled": "履行完毕",
    "breached": "未履行",
}
ANSWERS = {"accepted": "同意调解", "refused": "拒绝调解"}
"""``states.Answer`` (Art. 17)."""
CHANNELS = {"own_account": "本人账号答复", "paper": "书面答复（工作人员录入）", "application": "申请调解"}
"""``states.AnswerChannel``."""
PERFORMANCE = {"party_evidence": "义务人提交履行凭证", "mediator_check": "调解员核实"}
"""``states.PerformanceCheck`` (Art. 31)."""
RULINGS = {"confirmed": "裁定确认调解协议有效", "refused": "裁定驳回申请"}
"""``states.Ruling`` (Civil Procedure Law Art. 206)."""
COURT_ACTIONS = {
    "litigation": "向人民法院提起诉讼（第三十二条）",
    "enforcement": "向人民法院申请强制执行（第三十三条）",
    "judicial_confirmation": "向人民法院申请司法确认（第三十三条）",
    "change_agreement": "经人民调解变更原调解协议（第三十三条）",
}
"""``states.CourtAction``."""
BLANK_DATE = "\u3000\u3000年\u3000\u3000月\u3000\u3000日"


def label(table: dict[str, str], value: str | None) -> str:
    """The Chinese word for ``value`` in ``table`` (the value itself when unknown)."""
    return table.get(value or "", value or "")


def chinese_date(day: date | None) -> str:
    """``2026年12月2日``; a blank date to fill by hand when ``day`` is None."""
    return BLANK_DATE if day is None else f"{day.year}年{day.month}月{day.day}日"
