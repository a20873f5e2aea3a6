"""How the project runs uvicorn: one configuration, used by `manage.py serve` and the benches.

- **Proxy headers are the application's to read.** uvicorn's default rewrites the client
  address and the scheme from X-Forwarded-For / X-Forwarded-Proto whenever the peer is
  127.0.0.1, so anyone who reaches the port from this machine (or through a forwarding path
  that does not strip the headers) picks their own address. Here uvicorn never reads them:
  Django reads X-Forwarded-For only when ANTREAN_PROXY_COUNT says there is a proxy, and then
  only the hop that proxy wrote (antrean.core.http.client_ip), and X-Forwarded-Proto only with
  BEHIND_TLS_PROXY (SECURE_PROXY_SSL_HEADER).
- **Logging is Django's.** uvicorn gets no logging config of its own, so its loggers (the
  access log too) write through the root handler of settings.LOGGING, whose formatter masks
  NIKs, phone numbers and tokens (antrean.core.logging).

`python -m antrean.core.serving --port 8001` serves the ASGI application alone (no set-up, no
worker), as the benches need it.
"""

import argparse
import os


def uvicorn_config(
    *,
    host: str,
    port: int,
    app=None,
    access_log: bool = True,
    log_level: str = "info",
):
    import uvicorn

    if app is None:
        from antrean.asgi import application as app
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="off",
        workers=1,
        # Never believe X-Forwarded-For / X-Forwarded-Proto at the server (see above).
        proxy_headers=False,
        forwarded_allow_ips=[],
        # Leave logging as Django configured it (masked); uvicorn only sets its loggers' level.
        log_config=None,
        access_log=access_log,
        log_level=log_level,
        # No `server: uvicorn` header: the server's name and kind help only an attacker
        # (ASVS 14.3.3).
        server_header=False,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve antrean.asgi with the project's uvicorn.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--no-access-log", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "antrean.settings")
    import django
    import uvicorn

    django.setup()
    config = uvicorn_config(
        host=args.host, port=args.port, access_log=not args.no_access_log, log_level=args.log_level
    )
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
