"""gunicorn's configuration for Antrean: `gunicorn -c python:antrean.gunicorn_conf`.

Every place the project starts gunicorn uses it (bench/, bench/rush/, the docs' production
command); options given on the command line (workers, threads, bind, …) still apply on top.

- **The server believes no forwarding header.** gunicorn's defaults let a peer at 127.0.0.1
  (or any peer on a UNIX socket) set the scheme with X-Forwarded-Proto and the like. Here no
  peer may: the application alone reads X-Forwarded-For, and only the hop the proxy wrote when
  ANTREAN_PROXY_COUNT says there is one (antrean.core.http.client_ip), and X-Forwarded-Proto
  only with BEHIND_TLS_PROXY (Django's SECURE_PROXY_SSL_HEADER). gunicorn never rewrites
  REMOTE_ADDR itself.
- **Its logs are masked.** gunicorn writes its error log and, when asked (`--access-logfile
  -`), its access log through handlers of its own, not Django's: `MaskedLogger` gives each of
  them the formatter that masks NIKs, phone numbers and tokens (antrean.core.logging), so the
  request line `GET /antrean/…/?t=<token>` is written as `?t=***`.
"""

from gunicorn.glogging import Logger

from antrean.core.logging import MaskingFormatter

wsgi_app = "antrean.wsgi:application"
worker_class = "gthread"
workers = 2
threads = 8

# No peer is a trusted proxy to gunicorn (see above); the UNIX-socket case is covered by
# believing no header at all.
forwarded_allow_ips = ""
secure_scheme_headers = {}
forwarder_headers = ""
# No runtime management socket (gunicornc): unused here, and its default path is one per user,
# which two servers on one machine would share.
control_socket_disable = True


class MaskedLogger(Logger):
    """gunicorn's logger, every handler of it masked (re-applied on each reload)."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(MaskingFormatter.wrapping(handler.formatter))


logger_class = MaskedLogger
