"""The Teams edge: the SDK app, its HTTP hosting, handlers, and what the bot sends."""
