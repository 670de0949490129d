"""Receivers of the library (filled in below)."""
