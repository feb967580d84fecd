"""The case archive (卷宗) as HTML: cover with the list of contents, the application, the
records of sessions, the agreement, the return visits, the case's history and the list of
attachments, with the image attachments embedded (others listed only).

An attachment is embedded only when it really is a PNG, JPEG, GIF or WebP image of reasonable
size (``images.drawable``); SVG attachments are listed, never drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

from jiedao.plugins.mediation.documents.agreement import agreement_section, oral_record, party_lines, SEAL_URL, seal_image
from jiedao.plugins.mediation.documents.content import AttachmentEntry, CaseFile
from jiedao.plugins.mediation.documents.images import NotDrawable, stored
from jiedao.plugins.mediation.documents.labels import (
    ANSWERS, CATEGORIES, CHANNELS, chinese_date, COURT_ACTIONS, label, PERFORMANCE, RULINGS, SOURCES, STATES,
)
from jiedao.plugins.mediation.documents.markup import escape, fill, join, paragraphs, plain, Safe
from jiedao.plugins.mediation.documents.pdf import ATTACHMENT_SCHEME, Image


@dataclass(frozen=True)
class Listed:
    """An attachment's line in the list: the image to embed, or why there is none."""

    entry: AttachmentEntry
    image: Image | None
    note: str


def examine(entry: AttachmentEntry, store) -> Listed:
    """Whether ``entry`` can be embedded, reading it from ``store`` (a ``jiedao.api.files`` store)."""
    try:
        return Listed(entry, stored(store, entry.reference, entry.content_type), "")
    except NotDrawable as reason:
        return Listed(entry, None, str(reason))


def _size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{max(1, round(size / 1000))} KB" if size >= 1000 else f"{size} B"


def _attachment_list(listed: list[Listed]) -> tuple[Safe, Safe, dict[str, Image]]:
    if not listed:
        return Safe('<p class="empty">本案无附件。</p>'), Safe(""), {}
    rows, figures, images = [], [], {}
    for index, item in enumerate(listed, start=1):
        note = item.note
        if item.image is not None:
            url = f"{ATTACHMENT_SCHEME}{item.entry.id}"
            images[url] = item.image
            note = "图附后"
            figures.append(fill("image.html", source=plain(url), alt=plain(item.entry.name), index=str(index), name=item.entry.name))
        e = item.entry
        rows.append(
            Safe(
                f"<tr><td>{index}</td><td>{escape(e.name)}</td><td>{escape(e.content_type)}</td><td>{escape(_size(e.size))}</td>"
                f"<td>{escape(e.added_by)}</td><td>{escape(chinese_date(e.added_on))}</td><td>{escape(note)}</td></tr>"
            )
        )
    table = Safe(
        '<table class="list"><tr><th>序号</th><th>名称</th><th>类型</th><th>大小</th><th>添加人</th><th>添加日期</th><th>说明</th></tr>'
        + join(rows)
        + "</table>"
    )
    return table, join(figures), images


def _sessions(case: CaseFile) -> Safe:
    if not case.sessions:
        return Safe('<p class="empty">本案无调解记录。</p>')
    return join(
        fill(
            "session.html",
            index=str(i),
            held_on=chinese_date(s.held_on),
            participants="、".join(s.participants) or "—",
            recorded_by=s.recorded_by,
            notes=paragraphs(s.notes),
        )
        for i, s in enumerate(case.sessions, start=1)
    )


def _visits(case: CaseFile) -> Safe:
    if not case.visits:
        return Safe('<p class="empty">本案无回访记录。</p>')
    return join(
        fill(
            "visit.html",
            index=str(i),
            due_on=chinese_date(v.due_on),
            done_on=chinese_date(v.done_on) if v.done_on else "尚未回访",
            notes=paragraphs(v.notes) if v.notes.strip() else Safe('<p class="empty">—</p>'),
        )
        for i, v in enumerate(case.visits, start=1)
    )


def _history(case: CaseFile) -> Safe:
    if not case.history:
        return Safe('<p class="empty">—</p>')
    rows = [
        Safe(f"<tr><td>{escape(chinese_date(at))}</td><td>{escape(label(STATES, old) or '—')}</td><td>{escape(label(STATES, new))}</td><td>{escape(reason)}</td></tr>")
        for at, old, new, reason in case.history
    ]
    return Safe('<table class="list"><tr><th>日期</th><th>原状态</th><th>新状态</th><th>理由</th></tr>' + join(rows) + "</table>")


def _row(heading: str, value: object) -> Safe:
    return Safe(f"<tr><th>{escape(heading)}</th><td>{escape(value)}</td></tr>")


def _answers(case: CaseFile) -> Safe:
    """Each party's answer to mediation (Art. 17), or that none is recorded."""
    if not case.answers:
        return Safe('<p class="empty">未记录当事人对调解的答复。</p>')
    rows = [
        Safe(
            f"<tr><td>{escape(a.party)}</td><td>{escape(label(ANSWERS, a.answer))}</td><td>{escape(chinese_date(a.answered_on) if a.answered_on else '—')}</td>"
            f"<td>{escape(label(CHANNELS, a.channel) or '—')}</td><td>{escape(a.refusal_reason or '—')}</td></tr>"
        )
        for a in case.answers
    ]
    return Safe('<table class="list"><tr><th>当事人</th><th>答复</th><th>日期</th><th>方式</th><th>拒绝理由</th></tr>' + join(rows) + "</table>")


def _outcome(case: CaseFile) -> Safe:
    """Performance, breach, judicial confirmation and court action, as far as they went."""
    o = case.outcome
    if o is None:
        return Safe('<p class="empty">本案未达成调解协议。</p>')
    rows = [_row("履行期限", chinese_date(o.perform_by))]
    if o.performed_on:
        rows += [_row("履行完毕", chinese_date(o.performed_on)), _row("确认方式", label(PERFORMANCE, o.performance_how) or "—")]
        rows += [_row("确认人", o.performance_recorded_by or "—"), _row("说明", o.performance_note or "—")]
    if o.breached_on:
        rows += [_row("未履行", chinese_date(o.breached_on)), _row("情况", o.breach_note or "—")]
    if not o.performed_on and not o.breached_on:
        rows.append(_row("履行情况", "尚未确认履行"))
    if o.confirmation_requested_on:
        rows += [_row("申请司法确认", f"{chinese_date(o.confirmation_requested_on)}，{o.confirmation_court or '—'}")]
        if o.confirmation_ruling:
            ruled = chinese_date(o.confirmation_ruled_on) if o.confirmation_ruled_on else "—"
            rows += [_row("法院裁定", f"{label(RULINGS, o.confirmation_ruling)}（{o.confirmation_case_number or '—'}，{ruled}）")]
    if o.court_action:
        on = chinese_date(o.court_action_on) if o.court_action_on else "—"
        rows += [_row("后续诉讼", f"{label(COURT_ACTIONS, o.court_action)}，{o.court_action_court or '—'}，{on}")]
    return Safe('<table class="facts">' + join(rows) + "</table>")


def _agreement(case: CaseFile, seal: Image | None) -> Safe:
    if case.agreement is None:
        return Safe('<section class="agreement" id="agreement"><h1>人民调解协议书</h1><p class="empty">本案未达成调解协议。</p></section>')
    return oral_record(case.agreement) if case.agreement.oral else agreement_section(case.agreement, seal)


def archive_html(case: CaseFile, store) -> tuple[str, dict[str, Image]]:
    """The archive's HTML and the images it embeds (keyed by their ``attachment:`` URL)."""
    attachments, figures, images = _attachment_list([examine(entry, store) for entry in case.attachments])
    seal = seal_image(case.agreement, store) if case.agreement is not None else None
    if seal is not None:
        images[SEAL_URL] = seal
    body = fill(
        "archive.html",
        committee=case.committee,
        number=case.number,
        title=case.title,
        category=label(CATEGORIES, case.category),
        party_names="、".join(p.name for p in case.parties),
        studio=case.studio,
        mediator=case.mediator or "—",
        opened_on=chinese_date(case.opened_on),
        closed_on=chinese_date(case.closed_on) if case.closed_on else "—",
        state=label(STATES, case.state),
        source=label(SOURCES, case.source),
        referred_by=case.referred_by or "—",
        places="；".join(case.places) or "—",
        parties=party_lines(case.parties),
        description=paragraphs(case.description) if case.description.strip() else Safe('<p class="empty">—</p>'),
        sessions=_sessions(case),
        agreement=_agreement(case, seal),
        visits=_visits(case),
        answers=_answers(case),
        outcome=_outcome(case),
        history=_history(case),
        attachments=attachments,
        images=figures,
    )
    title = f"人民调解卷宗 {case.number}"
    html = fill("document.html", title=plain(title), author=plain(case.committee), kind=plain("archive-document"), body=body)
    return html, images
