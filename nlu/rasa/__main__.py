"""``python -m nlu.rasa domain | validate | train [--epochs N|small] [--force] | serve [--epochs N] [--port P]``.

``train`` prints the path of the model (trained now, or the cached one for the same inputs);
``serve`` trains if needed and runs ``rasa run --enable-api`` in the foreground.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nlu import rasa


def _epochs(value: str) -> int:
    """A number of DIET epochs, or ``small``: the conversation test's model."""
    if value == "small":
        return rasa.SMALL_EPOCHS
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlu.rasa", description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=rasa.DEFAULT_DATA_DIR)
    parser.add_argument("--home", type=Path, default=rasa.DEFAULT_HOME, help="models and staging (var/rasa)")
    commands = parser.add_subparsers(dest="command", required=True)
    domain = commands.add_parser("domain", help="write nlu/rasa/domain.yml from the training data")
    domain.add_argument("--check", action="store_true", help="only say whether it is current (exit 1 if not)")
    commands.add_parser("validate", help="rasa data validate on the training data")
    for name in ("train", "serve"):
        command = commands.add_parser(name, help="train (cached)" if name == "train" else "train, then serve")
        command.add_argument("--epochs", type=_epochs, default=None,
                             help=f"DIET epochs (default: nlu/rasa/config.yml's); 'small' is the "
                                  f"conversation test's model ({rasa.SMALL_EPOCHS})")
        command.add_argument("--force", action="store_true", help="train even when a cached model matches")
        command.add_argument("--quiet", action="store_true", help="no training log")
    commands.choices["serve"].add_argument("--port", type=int, default=5005)
    args = parser.parse_args(argv)

    try:
        if args.command == "domain":
            if args.check:
                current = rasa.DOMAIN.is_file() and rasa.DOMAIN.read_text(encoding="utf-8") == \
                    rasa.domain_text(args.data_dir)
                print(f"{rasa.DOMAIN}: {'current' if current else 'stale: run python -m nlu.rasa domain'}")
                return 0 if current else 1
            changed = rasa.write_domain(args.data_dir)
            print(f"{rasa.DOMAIN}: {'written' if changed else 'already current'}")
            return 0
        if args.command == "validate":
            return rasa.validate(args.data_dir, args.home)
        model = rasa.train(args.data_dir, args.home, epochs=args.epochs, force=args.force, quiet=args.quiet)
        how = f"trained in {model.seconds:.0f} s" if model.trained else "cached"
        print(f"{model.path} ({model.epochs} epochs, {how})", file=sys.stderr)
        print(model.path)
        if args.command == "serve":
            process = rasa.start_server(model.path, args.port)
            try:
                return process.wait()
            except KeyboardInterrupt:
                rasa.stop_server(process)
        return 0
    except rasa.RasaError as error:
        print(f"python -m nlu.rasa: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
