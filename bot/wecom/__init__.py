"""WeCom (企业微信): group robot for alerts and replies, self-built app callback for commands."""
