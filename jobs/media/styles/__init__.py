"""Caption styles in the worker: the ASS subtitles generated from a clip's words in a style,
and the fonts fontconfig really has. The style data itself (fields, validation, presets)
lives in core.caption_styles, where the api reads it too."""
