"""How a message looks in WeCom: Markdown for the robot, a text card or text for a person.

WeCom counts limits in UTF-8 bytes (a text card's title 128, its description 512), so long
texts are cut at a character boundary with an ellipsis."""

from __future__ import annotations

from typing import Any

from jiedao.api.channels import Message

ACK_LABEL = {"zh": "确认并记录处置结果", "en": "Acknowledge and record the outcome"}
BUTTON = {"zh": "确认", "en": "Acknowledge"}


def cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` UTF-8 bytes, ending in "…" when it had to be cut."""
    if len(text.encode()) <= limit:
        return text
    budget = limit - len("…".encode())
    kept = text.encode()[:budget].decode(errors="ignore")
    return kept + "…"


def robot_markdown(message: Message) -> str:
    """The robot's Markdown: the subject in bold, the text, the acknowledgement link."""
    lines = [f"**{message.subject}**", message.text]
    if message.link:
        lines.append(f"[{ACK_LABEL.get(message.locale, ACK_LABEL['zh'])}]({message.link})")
    return cut("\n".join(lines), 4096)


def app_message(message: Message) -> dict[str, Any]:
    """The message part of an application message: a text card opening ``message.link``
    (its button acknowledges), or plain text without a link."""
    if message.link:
        card = {
            "title": cut(message.subject, 128),
            "description": cut(message.text, 512),
            "url": message.link,
            "btntxt": BUTTON.get(message.locale, BUTTON["zh"]),
        }
        return {"msgtype": "textcard", "textcard": card}
    return {"msgtype": "text", "text": {"content": cut(f"{message.subject}\n{message.text}", 2048)}}
