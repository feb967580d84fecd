"""Alibaba Cloud SMS and voice calls (TTS) as notification channels, with a local fake provider."""
