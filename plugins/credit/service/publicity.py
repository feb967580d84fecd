"""The restaurants' public credit classes, published as a street-wide notice (公示).

After every recomputation of the whole street the current classes are listed — A to D, then
the unrated — each enterprise with the reasons that cost it points (or the rule that set its
class). The street keeps one live listing: an unchanged one stays as it is, a changed one
replaces the previous (withdrawn as "replaced", still in the record). The notice is
published through the kernel (``jiedao.api.publish_notice``), which announces it with
``core.notice.published`` after the commit.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api.notices import publish_notice, STREET
from jiedao.plugins.credit.models import Enterprise, Score

TITLE = "餐饮单位信用风险分类公示"
CLASS_ORDER = ("A", "B", "C", "D", "UNRATED")
BODY_LIMIT = 19_000
"""Characters of the listing kept (the kernel accepts 20,000); a longer street is cut with a note."""
INTRO = "根据食品安全信用风险分类结果，现将本街道餐饮单位信用风险等级公示如下（A 类风险最低，D 类风险最高）。对结果有异议的经营者，可在收到评分之日起通过系统提出申诉。"


def _line(name: str, result: dict) -> str:
    why = [o["zh"] for o in result.get("overrides", [])] + [r["zh"] for r in result.get("reasons", [])]
    return f"· {name}" + (f"：{'；'.join(why)}" if why else "")


def listing(rows: list[tuple[str, dict]]) -> str:
    """The notice's body: per class (A–D, unrated) its label, count and enterprises with reasons."""
    by_class: dict[str, list[tuple[str, dict]]] = {}
    for name, result in rows:
        by_class.setdefault(result["risk_class"], []).append((name, result))
    parts = [INTRO]
    for code in sorted(by_class, key=lambda c: CLASS_ORDER.index(c) if c in CLASS_ORDER else len(CLASS_ORDER)):
        members = by_class[code]
        label = f"{code} 类（{members[0][1]['risk_zh']}）" if code != "UNRATED" else f"{members[0][1]['risk_zh']}"
        parts.append(f"\n{label}，共 {len(members)} 家：")
        parts += [_line(name, result) for name, result in sorted(members, key=lambda m: m[0])]
    body = "\n".join(parts)
    if len(body) > BODY_LIMIT:
        body = body[:BODY_LIMIT].rsplit("\n", 1)[0] + f"\n……（名单较长，共 {len(rows)} 家，完整名单请至街道市场监管所查阅）"
    return body


async def publish_classes(session: AsyncSession) -> None:
    """Publish (or keep, when unchanged) the street-wide listing of current credit classes."""
    rows = (await session.execute(
        select(Enterprise.name, Score.result)
        .join(Score, Score.id == Enterprise.current_score_id)
        .where(Enterprise.status != "CLOSED")
        .order_by(Enterprise.id)
    )).all()
    if not rows:
        return
    await publish_notice(session, scope=STREET, kind="publicity", title=TITLE, body=listing([(n, r) for n, r in rows]),
                         publisher="credit", replace=True)
