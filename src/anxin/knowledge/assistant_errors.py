"""The service assistant's errors: what a customer's message or an agent's move is refused with (each a
machine-readable ``code`` and words in Chinese and English)."""

from __future__ import annotations

from anxin.exceptions import AnxinError


class AssistantTextEmpty(AnxinError):
    status_code = 422
    code = "assistant_text_empty"
    message_zh = "请输入消息内容"
    message_en = "Write a message"

    def details(self) -> dict:
        return {"field": "text"}


class AssistantTextTooLong(AnxinError):
    status_code = 422
    code = "assistant_text_too_long"
    message_zh = "一条消息最多 {most} 个字"
    message_en = "A message may be at most {most} characters"

    def details(self) -> dict:
        return {"field": "text", "max_length": self.params["most"]}


class ConversationClosed(AnxinError):
    status_code = 409
    code = "assistant_conversation_closed"
    message_zh = "这次对话已结束，请开始新的对话"
    message_en = "This conversation has ended; start a new one"


class NotHandedOff(AnxinError):
    status_code = 409
    code = "assistant_not_handed_off"
    message_zh = "这次对话没有在等待人工客服，或已由其他客服接手"
    message_en = "This conversation is not waiting for an agent, or another agent has taken it"


class NotCustomer(AnxinError):
    status_code = 403
    code = "assistant_customer_only"
    message_zh = "只有客户本人可以使用智能客服"
    message_en = "Only a customer chats with the assistant"
