"""The command line: thin Typer sub-apps that parse input, call a service, and print."""
