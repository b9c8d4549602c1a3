"""Reusable pieces of the dashboard's screens."""
