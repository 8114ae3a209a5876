"""The local signing agent (``edochub sign-agent``) on a leader's PC."""

from signing.agent.service import create_agent_app

__all__ = [
    "create_agent_app",
]
