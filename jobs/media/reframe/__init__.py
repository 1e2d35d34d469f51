"""Reframing: find faces on a sampled stream, track them, pick who speaks, plan a crop path.

The plan is data (crop windows over time); jobs.media.export turns it into FFmpeg filters.
"""
