"""Real servers on 127.0.0.1 for the tests and the benchmarks: fixture news sites (HTTP) and an SMTP server that keeps
what it receives. Repository-only: not part of the installed package."""
