"""Caption styles: the data (font, colours, position, animation), built-in presets, and the
ASS subtitles generated from a clip's words in a style."""
