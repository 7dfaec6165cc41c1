"""`lotus`: the single entry point — synth, ingest, report, dashboard, demo, contracts.

Every command reads the configuration (``--config`` or ./lotus.toml over the packaged defaults) and
lets its flags override it. Known problems end with one clear message and exit status 2; no user
ever sees a traceback unless they ask for it with ``--debug``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Callable, Sequence

from lotus_analytics.config import DISCLOSURE_MODES, KEY_ENV, Config, ConfigError, load_config
from lotus_analytics.periods import FinancialQuarter, PeriodError, latest_complete_quarter
from lotus_analytics.schema import REGIONS
from lotus_analytics.store import StoreError, read_manifest

EXIT_USER_ERROR = 2


class UserError(RuntimeError):
    """A problem the user can fix; printed without a traceback."""


def _config(args: argparse.Namespace, **overrides: object) -> Config:
    return load_config(args.config, overrides={k: v for k, v in overrides.items() if v is not None})


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-10-15") from None


def _region(text: str) -> str:
    if text not in REGIONS:
        raise argparse.ArgumentTypeError(f"'{text}' is not an NHS England region: {', '.join(REGIONS)}")
    return text


def _seed(args: argparse.Namespace) -> dict[str, int]:
    """The --seed flag as keyword arguments (none given: the generator's own default seed)."""
    return {} if args.seed is None else {"seed": args.seed}


def cmd_synth(args: argparse.Namespace) -> int:
    """Write a synthetic extract (or, with --faults, the dirty extracts and their fault list)."""
    from lotus_analytics import synthetic

    out = Path(args.out) if args.out else _config(args).demo_extract
    if args.faults:
        faults = synthetic.write_faulty_extract(out, **_seed(args))
        print(f"dirty extracts with {len(faults)} planted faults written to {out} (list: {out / 'faults.json'})")
        return 0
    regions = REGIONS if args.regions == ["all"] else tuple(args.regions)
    effects = synthetic.Effects.none() if args.no_effects else synthetic.Effects()
    extract = synthetic.generate(regions=regions, scale=args.scale, effects=effects, **_seed(args))
    synthetic.write_extract(extract, out, fmt=args.format)
    print(f"synthetic extract ({len(extract.cases):,} cases, seed {extract.seed}) written to {out}")
    return 0


def _read_key(key_file: str | None) -> bytes | None:
    if key_file:
        path = Path(key_file)
        if not path.is_file():
            raise UserError(f"key file not found: {path}")
        return path.read_bytes().strip()
    value = os.environ.get(KEY_ENV)
    return value.encode() if value else None


def _ingest(cfg: Config, extract: Path, extract_date: date | None, pseudonymise: bool, key: bytes | None) -> dict:
    from lotus_analytics.ingest import IngestError, ingest

    try:
        result = ingest(extract, cfg.store, extract_date=extract_date, pseudonymise=pseudonymise, key=key, config=cfg)
    except IngestError as err:
        raise UserError(str(err)) from None
    return result.manifest


def _print_manifest(manifest: dict, store: Path) -> None:
    print(f"extract date {manifest['extract_date']}; contract {manifest['contract_version']}; store {store}")
    for name, t in manifest["tables"].items():
        if t.get("supplied", True):
            print(f"  {name:<10} read {t['rows_read']:>9,}  stored {t['rows_stored']:>9,}  quarantined {t['rows_quarantined']:>7,}")
        else:
            print(f"  {name:<10} not supplied")


def cmd_ingest(args: argparse.Namespace) -> int:
    """Validate an extract into the analysis store and print the manifest's balance."""
    cfg = _config(args, **{"paths.store": args.store})
    key = _read_key(args.key_file) if args.pseudonymise else None
    manifest = _ingest(cfg, Path(args.extract), args.extract_date, args.pseudonymise, key)
    _print_manifest(manifest, cfg.store)
    return 0


def _report_quarter(label: str | None, store: Path) -> FinancialQuarter:
    if label:
        return FinancialQuarter.parse(label)
    return latest_complete_quarter(date.fromisoformat(read_manifest(store)["extract_date"]))


def _build_report(cfg: Config, quarter: FinancialQuarter, region: str) -> Path:
    from lotus_analytics.reports import build_report

    paths = build_report(
        quarter=quarter.label, region=region, store=cfg.store, out_root=cfg.reports,
        disclosure_mode=cfg.disclosure.mode, config=cfg,
    )
    return paths.html


def cmd_report(args: argparse.Namespace) -> int:
    """Build the quarterly report of one region (default: the latest complete quarter)."""
    cfg = _config(args, **{"paths.store": args.store, "paths.reports": args.out, "report.disclosure_mode": args.mode})
    quarter = _report_quarter(args.quarter, cfg.store)
    html = _build_report(cfg, quarter, args.region or cfg.region)
    print(f"report for {quarter.label}, {args.region or cfg.region}: {html}")
    return 0


def _serve(cfg: Config, config_file: str | None, host: str | None, port: int | None) -> int:
    from lotus_analytics.dashboard.serve import voila_command

    read_manifest(cfg.store)  # a clear message when there is nothing to show yet
    command = voila_command(
        host=host or cfg.dashboard_host, port=port or cfg.dashboard_port, store=cfg.store,
        config_file=Path(config_file) if config_file else None,
    )
    print(f"dashboard on http://{host or cfg.dashboard_host}:{port or cfg.dashboard_port}/ (Ctrl-C to stop)", flush=True)
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:
        return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Serve the dashboard with Voilà until Ctrl-C."""
    cfg = _config(args, **{"paths.store": args.store})
    return _serve(cfg, args.config, args.host, args.port)


def cmd_demo(args: argparse.Namespace) -> int:
    """Synthetic demo extract -> ingest -> quarterly report -> dashboard (the README's `make demo`)."""
    from lotus_analytics import synthetic

    cfg = _config(args)
    extract = synthetic.generate(**_seed(args))
    synthetic.write_extract(extract, cfg.demo_extract)
    print(f"1/3 synthetic demo extract: {len(extract.cases):,} cases in {cfg.demo_extract}")
    manifest = _ingest(cfg, cfg.demo_extract, None, False, None)
    print("2/3 ingested and validated:")
    _print_manifest(manifest, cfg.store)
    quarter = _report_quarter(args.quarter, cfg.store)
    region = args.region or cfg.region
    html = _build_report(cfg, quarter, region)
    print(f"3/3 quarterly report for {quarter.label}, {region}: {html.resolve()}")
    if args.no_serve:
        return 0
    return _serve(cfg, args.config, None, None)


def cmd_contracts(args: argparse.Namespace) -> int:
    """Regenerate the Great Expectations suites and data dictionary from the schema."""
    from lotus_analytics.contracts import write_contracts

    written = write_contracts(Path(args.out))
    print(f"{len(written)} contract files written to {args.out}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lotus", description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="configuration file (default: ./lotus.toml if present)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("synth", help="write a seeded synthetic extract")
    p.add_argument("--out", help="output folder (default: paths.demo_extract)")
    p.add_argument("--seed", type=int, help="random seed (default: the demo extract's)")
    p.add_argument("--regions", nargs="+", default=["North West"], help="region names, or 'all'")
    p.add_argument("--scale", type=float, default=1.0, help="multiplies population and case volumes")
    p.add_argument("--format", choices=["csv", "parquet", "xlsx"], default="csv")
    p.add_argument("--no-effects", action="store_true", help="no injected disparities or changes")
    p.add_argument("--faults", action="store_true", help="write dirty extracts and the list of planted faults")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("ingest", help="validate an extract against the data contracts into the store")
    p.add_argument("extract", help="folder of CSV/Parquet files, or an .xlsx workbook")
    p.add_argument("--store", help="analysis store folder (default: paths.store)")
    p.add_argument("--extract-date", type=_parse_date, help="date the extract was taken (default: its extract_info.json, else today)")
    p.add_argument("--pseudonymise", action="store_true", help=f"replace identifier columns by HMAC-SHA-256 (key from ${KEY_ENV} or --key-file)")
    p.add_argument("--key-file", help="file holding the pseudonymisation key (kept outside the repository)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("report", help="build the quarterly report with papermill")
    p.add_argument("--quarter", help='financial quarter, e.g. "2026/27 Q2" (default: latest complete one)')
    p.add_argument("--region", type=_region, help="NHS England region (default: report.region)")
    p.add_argument("--store", help="analysis store folder")
    p.add_argument("--out", help="reports folder")
    p.add_argument("--mode", choices=DISCLOSURE_MODES, help="disclosure mode (default: publication)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("dashboard", help="serve the dashboard with Voilà")
    p.add_argument("--store", help="analysis store folder")
    p.add_argument("--host", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: 8866)")
    p.set_defaults(func=cmd_dashboard)

    p = sub.add_parser("demo", help="synthetic extract -> ingest -> report -> dashboard")
    p.add_argument("--seed", type=int, help="random seed (default: the demo extract's)")
    p.add_argument("--quarter", help="financial quarter (default: latest complete one)")
    p.add_argument("--region", type=_region, help="NHS England region (default: report.region)")
    p.add_argument("--no-serve", action="store_true", help="stop after the report")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("contracts", help="regenerate data_contracts/ from the schema")
    p.add_argument("--out", default="data_contracts")
    p.set_defaults(func=cmd_contracts)
    return parser


def _known_errors() -> tuple[type[Exception], ...]:
    """Errors that carry a message for the user (the report's own, imported lazily)."""
    from lotus_analytics.reports import ReportError

    return (UserError, ConfigError, PeriodError, StoreError, ReportError)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `lotus` command; the exit status is 0, 2 for a problem the user can fix, 1 otherwise."""
    args = _parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except _known_errors() as err:
        print(f"lotus: error: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    except Exception as err:  # noqa: BLE001 - the last line of defence: no traceback for users
        if args.debug:
            raise
        print(f"lotus: unexpected error: {type(err).__name__}: {err} (run again with --debug for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
