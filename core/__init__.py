"""Analytics and the AI engine: pure functions over data frames and plain values.

Nothing in here imports ``bot``, ``handlers``, ``storage`` or ``scheduler``, opens a database, or talks to a
messenger: the model client and every setting are handed in by the caller.
"""
