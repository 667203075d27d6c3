"""DingTalk (钉钉): custom group robot for alerts and replies, enterprise-internal robot for commands."""
