def main() -> int:  # replaced by the CLI work
    raise SystemExit("autoflow: the command line is not built yet")
