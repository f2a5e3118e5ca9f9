"""The command line: argument parsing and the headless clients of the engine."""
