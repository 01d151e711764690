"""Command line: ``python -m nlu train | parse | evaluate`` (SPEC §6).

Bad input (a missing or malformed file, a bad --today) prints one error line on stderr and
exits with status 2; nothing prints a traceback at a user.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

EXIT_USAGE = 2


def _today(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, default=None, help="training data (default: nlu/data)")
    parser.add_argument("--model-dir", type=Path, default=None, help="model cache (default: var/nlu)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m nlu", description="邻里助手 NLU: train, parse, evaluate")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    train = commands.add_parser("train", help="train the model (or confirm the cached one is current)")
    _common(train)
    train.add_argument("--quiet", action="store_true", help="print nothing when the cache is current")
    train.add_argument("--force", action="store_true", help="retrain even when the cache is current")
    parse = commands.add_parser("parse", help="stdin lines → JSON lines")
    _common(parse)
    parse.add_argument("--today", type=_today, default=None, help="reference day, YYYY-MM-DD")
    evaluate = commands.add_parser("evaluate", help="score a TSV or Rasa YAML file")
    _common(evaluate)
    evaluate.add_argument("file", type=Path)
    evaluate.add_argument("--today", type=_today, default=None, help="reference day, YYYY-MM-DD")
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser


def _train(args: argparse.Namespace) -> int:
    from nlu.engine import load_engine

    started = time.perf_counter()
    engine = load_engine(args.data_dir, args.model_dir, force_train=args.force, warm_up=False)
    report = engine.report
    assert report is not None
    if report.retrained:
        where = report.path if report.path is not None else "memory only (cache folder not writable)"
        print(f"trained on {report.examples} examples, {report.intents} intents in "
              f"{report.seconds:.2f} s → {where}")
    elif not args.quiet:
        print(f"model is up to date: {report.path} ({time.perf_counter() - started:.2f} s to check)")
    return 0


def _parse(args: argparse.Namespace) -> int:
    from nlu.engine import load_engine

    engine = load_engine(args.data_dir, args.model_dir)
    out = sys.stdout
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        out.write(json.dumps(engine.parse(text, args.today).to_dict(), ensure_ascii=False) + "\n")
        out.flush()
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from nlu.data_io import DataError, read_examples
    from nlu.engine import load_engine
    from nlu.evaluate import evaluate, format_report

    examples = read_examples(args.file)
    if not examples:
        raise DataError(f"{args.file}: no labelled examples")
    engine = load_engine(args.data_dir, args.model_dir)
    report = evaluate(engine, examples, args.today)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report))
    return 0


def main(argv: list[str] | None = None) -> int:
    from nlu.data_io import DataError
    from nlu.lexicon import LexiconError
    from nlu.persist import ModelFileError

    args = build_parser().parse_args(argv)
    try:
        return {"train": _train, "parse": _parse, "evaluate": _evaluate}[args.command](args)
    except (DataError, LexiconError, ModelFileError) as exc:
        print(f"python -m nlu {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
