"""`python -m newsmon` and the `newsmon` command (its console script calls `run`).

The CLI is imported inside `run`, not at the top: multiprocessing imports the command's script again in every
cleaning worker, and the workers need none of the CLI's libraries (~60 MiB).
"""


def run() -> None:
    from newsmon.memory import limit_malloc_arenas

    limit_malloc_arenas()  # before the CLI starts any thread
    from newsmon.cli import main

    main()


if __name__ == "__main__":
    run()
