"""Post-ready exports: one FFmpeg run from the original upload that seeks, trims, reframes
(crop path per frame), cuts fillers and pauses, scales and burns captions and a title.

Entry point for the job layer::

    from jobs.media.export.render import render_export
    from jobs.media.export.spec import ExportSpec, RenderResult

    result = await render_export(upload_path, clip.start, clip.end, ExportSpec(
        aspect="VERTICAL_9_16", reframe="SPEAKER", style=PRESETS["bold-pop"],
        words=tuple(clip_words(transcript, clip.start, clip.end)),
        remove_fillers=True, remove_silences=True, title=clip.title,
    ), out_path, settings=settings)
    # result.duration -> Export.durationSeconds, result.message -> the export's message

Caption style data lives in core.caption_styles (CaptionStyle, PRESETS, validate_style) and
its ASS writer in jobs.media.styles; the reframing analysis in jobs.media.reframe; cleanups
in jobs.media.cleanup; export sizes, fills and filter escaping in jobs.media.export.frame.
"""
