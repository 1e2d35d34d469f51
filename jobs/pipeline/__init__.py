"""The pipeline's stages: media work on local files (shared with `clipforge process`), and the
storage, database and event plumbing the arq tasks put around it."""
