"""API routes. Feature modules add theirs to the same blueprint."""
