"""What a hotspot may show of what it cites: only the things the caller may fetch by ID.

Hotspots are computed (and cached) street-wide; the items they cite — e.g. overdue work items
with their titles — are narrowed per caller with each node type's own read rule
(``node(id:)``'s), in one statement per cited node type whatever the number of hotspots.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from sqlalchemy import select

from jiedao.api.graphql import model_for, readable
from jiedao.plugins.dashboard.service.warning import Finding


async def readable_citations(ctx, findings: list[Finding]) -> list[Finding]:
    """``findings`` with only the citations the caller may read."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for finding in findings:
        for cited in finding.cited:
            wanted[cited.node_type].add(cited.pk)
    if not wanted:
        return findings
    allowed: set[tuple[str, int]] = set()
    for node_type, pks in sorted(wanted.items()):
        model = model_for(node_type)
        if model is None:
            continue
        statement = select(model.id).where(model.id.in_(sorted(pks)), readable(ctx, node_type))
        allowed.update((node_type, pk) for pk in (await ctx.execute(statement)).scalars().all())
    return [
        replace(f, cited=tuple(c for c in f.cited if (c.node_type, c.pk) in allowed)) if f.cited else f
        for f in findings
    ]
