"""One repository per area of the store, each bound to the session of one unit of work."""
