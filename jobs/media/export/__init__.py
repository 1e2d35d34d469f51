"""Post-ready exports: one FFmpeg run from the original upload that seeks, trims, reframes
(crop path per frame), cuts fillers and pauses, scales and burns captions and a title."""
