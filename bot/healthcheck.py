"""`chaikhana-health`: the image's health check, light enough to run every few seconds.

It reads the configuration for the metrics port and asks the running bot's ``/readyz``
(``--live``: ``/healthz``); exit status 0 means healthy. It imports only the config and the
standard library: ``chaikhana health`` does the same through the whole CLI, at 4× the start-up.
"""

from __future__ import annotations

import argparse
import sys
import urllib.error
import urllib.request

from bot.config import Config, ConfigError, load_config


def metrics_url(cfg: Config) -> str:
    """Return where this configuration's bot serves its metrics, as a client reaches it."""
    host = cfg.metrics.listen
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{cfg.metrics.port}"


def probe(url: str, *, wait: float = 3.0) -> tuple[bool, str]:
    """GET ``url``; return whether it answered 200 and what it said (or why it did not)."""
    try:
        with urllib.request.urlopen(url, timeout=wait) as answer:
            return answer.status == 200, answer.read().decode(errors="replace").strip()
    except urllib.error.HTTPError as exc:
        return False, exc.read().decode(errors="replace").strip() or f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return False, f"{url}: no answer ({reason})"


def main(argv: list[str] | None = None) -> int:
    """Probe the running bot; print what it said; exit 0 when healthy."""
    parser = argparse.ArgumentParser(prog="chaikhana-health", description=__doc__)
    parser.add_argument("--live", action="store_true", help="only check that the process lives")
    args = parser.parse_args(argv)
    try:
        cfg = load_config()
    except ConfigError as exc:
        print(f"chaikhana-health: config: {exc}", file=sys.stderr)
        return 2
    if not cfg.metrics.enabled:
        print("chaikhana-health: metrics.enabled is false: nothing to ask", file=sys.stderr)
        return 1
    ok, said = probe(metrics_url(cfg) + ("/healthz" if args.live else "/readyz"))
    print(said, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
