"""The Markdown DingTalk shows for a message: the subject as heading, the text, the link."""

from __future__ import annotations

from jiedao.api.channels import Message

ACK_LABEL = {"zh": "确认并记录处置结果", "en": "Acknowledge and record the outcome"}


def message_markdown(message: Message, with_link: bool = True) -> str:
    """``#### subject``, the text with its line breaks kept, then the acknowledgement link
    (left out where a card's button opens it)."""
    lines = [f"#### {message.subject}", "", message.text.replace("\n", "  \n")]
    if message.link and with_link:
        lines += ["", f"[{ACK_LABEL.get(message.locale, ACK_LABEL['zh'])}]({message.link})"]
    return "\n".join(lines)
