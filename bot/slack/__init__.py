"""The Slack adapter (slack-bolt, asyncio): listeners stay thin, the work happens in ``handlers``.

``app.create_bolt_app`` builds the Bolt app and registers every listener module in one place:
``security`` (replay guard, allow-lists), ``commands`` (slash commands), ``actions`` (download and alert
buttons), ``views`` (the /budget modal), ``events`` (@mentions). ``http.slack_routes`` mounts it in the
Starlette app; ``socket_mode`` runs it without a public URL.
"""
