"""Run storectl as `python -m storectl`."""

from storectl.cli import main

if __name__ == "__main__":
    main()
