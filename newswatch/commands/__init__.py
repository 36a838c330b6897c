"""The CLI's commands, one module each; newswatch/cli.py registers them."""
