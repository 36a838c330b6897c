"""One module per command or command group; `newswatch.cli` registers each of them."""
