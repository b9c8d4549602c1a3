"""Who may do what: the role table lives in core/access.py, shared with the dashboard."""

from __future__ import annotations

from core.access import PERMISSIONS, Action, Role, allowed

__all__ = ["PERMISSIONS", "Action", "Role", "allowed"]
