"""Fake remote services (Entra, Bot Connector) served for real on 127.0.0.1, and Teams
activity builders, for the integration tests."""
