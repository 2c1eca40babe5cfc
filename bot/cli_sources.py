"""``chaikhana sources import FILE.opml | --starter`` and ``sources export [-o FILE]``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import sources_io


def add_parsers(src_sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the import and export subcommands to ``chaikhana sources``."""
    imp = src_sub.add_parser("import", help="add the feeds of an OPML file (or the starter list)")
    imp.add_argument("file", nargs="?", help="an .opml file")
    imp.add_argument("--starter", action="store_true", help="the region's starter list")
    exp = src_sub.add_parser("export", help="write every feed source as OPML 2.0")
    exp.add_argument("-o", "--output", help="file to write (default: standard output)")


async def run(args: argparse.Namespace, db: async_sessionmaker[AsyncSession]) -> int:
    """Run sources import or export; print one line per refused outline on stderr."""
    if args.action == "export":
        data = await sources_io.export_opml(db, now=datetime.now(UTC))
        if args.output:
            await asyncio.to_thread(Path(args.output).write_bytes, data)
        else:
            sys.stdout.write(data.decode("utf-8"))
        return 0
    if args.starter == bool(args.file):
        print("error: give an .opml file or --starter (one of them)", file=sys.stderr)
        return 2
    if args.starter:
        report = await sources_io.import_starter(db)
    else:
        try:
            data = await asyncio.to_thread(Path(args.file).read_bytes)
        except OSError as exc:
            print(f"error: {args.file}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        report = await sources_io.import_opml(db, data)
    for line in report.refused:
        print(f"refused: {line}", file=sys.stderr)
    print(report.line())
    return 1 if report.refused else 0
