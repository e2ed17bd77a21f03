"""CLI entry point (also installed as the `learninghub` console script)."""

from learninghub.cli import main

if __name__ == "__main__":
    main()
