"""Django's PostgreSQL backend with a cheaper health check and server-side prepared statements.

- **Health check.** With `CONN_HEALTH_CHECKS` Django proves a persistent connection alive with `SELECT 1` before
  its first use in each request: a round trip and a statement for the server on every page and API call. An
  idle connection has nothing to read, and a dead one always does (the server's termination notice, or the
  end of the stream when the server, a proxy or the network closed it), so a connection whose socket is quiet
  is taken as alive without asking; only one with something waiting gets the `SELECT 1`, which then fails
  and makes Django reconnect. (A link cut silently, with nothing sent, fails `SELECT 1` just the same way:
  by timing out on its first real use.)
- **Prepared statements** (`prepared()`): the statements every request runs (the session's or the token's
  user, crm.compiled_query) are prepared once per connection and then executed by name, so PostgreSQL
  parses and plans them once instead of on every request. Turned off with
  `DATABASE_PREPARED_STATEMENTS=0` (a pooler in transaction mode, such as PgBouncer's, does not keep a
  session's prepared statements)."""

import re
import select

from django.conf import settings
from django.db.backends.postgresql import base

_PLACEHOLDER = re.compile(r"%(%|s)")


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        self.prepared_names: dict[str, str] = {}  # SQL -> name, for this server session only
        return connection

    def is_usable(self):
        if self.connection is None or self.connection.closed:
            return False
        try:
            waiting, _, _ = select.select([self.connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return super().is_usable() if waiting else True

    def prepared(self, sql: str) -> str | None:
        """The name of `sql` (Django's form: `%s` placeholders, `%%` for a percent sign) prepared on this
        connection, preparing it the first time; None when prepared statements are off."""
        if not getattr(settings, "DATABASE_PREPARED_STATEMENTS", True):
            return None
        with self.cursor():  # first: the health check may reconnect, which forgets what was prepared
            names = self.__dict__.setdefault("prepared_names", {})
            name = names.get(sql)
            if name is None:
                name = f"crm_{len(names) + 1}"
                count = iter(range(1, 1_000_000))
                text = _PLACEHOLDER.sub(lambda m: "%" if m.group(1) == "%" else f"${next(count)}", sql)
                # on the driver's own cursor, like the connection's set-up (time zone, role): a one-time cost
                # of the connection, not a statement of the request that happens to come first
                with self.connection.cursor() as raw:
                    raw.execute(f"PREPARE {name} AS {text}")
                names[sql] = name
        return name
