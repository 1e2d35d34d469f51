"""Importing a video from a link: direct files streamed to disk, video-site pages resolved
with yt-dlp; every connection through the SSRF guard (core.netguard). Worker only."""
