"""Campaigns and the 双随机 draw: pools, the seeded draw, conflicts of interest, publication."""
