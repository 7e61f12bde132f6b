"""Use cases: one function per thing a user does. Callers commit; services flush."""
