"""GraphiQL served from the api itself: its page, its script, and npm's built files."""
