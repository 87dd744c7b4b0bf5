# The two commands a newcomer needs: `make run` (the service with a local search node and mail catcher)
# and `make test`. See README.md.
.PHONY: run test bench lint

run:
	dev/run-local.sh

test:
	dev/test.sh

bench:
	dev/bench.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && dev/typecheck.sh
