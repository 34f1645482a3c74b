"""Checklist templates, their sections and items, and the checklist admin."""
