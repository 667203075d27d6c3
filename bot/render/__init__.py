"""Renderers: platform-neutral cards to each output format (console text, JSON, Slack, DingTalk, WeCom)."""
