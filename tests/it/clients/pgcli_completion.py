"""pgcli against connectql's Postgres listener: its completion refresh (the catalog queries pgcli
runs in the background on connect) and the completions it then offers. Prints JSON."""

import json
import sys

from pgcli.completion_refresher import CompletionRefresher
from pgcli.pgexecute import PGExecute
from pgspecial.main import PGSpecial
from prompt_toolkit.document import Document

url = sys.argv[1]
executor = PGExecute(dsn=url)
done = []
# pgcli's own refresh, every refresher in turn, on this thread: one failing query would leave
# the shell with no completion at all.
CompletionRefresher()._bg_refresh(executor, PGSpecial(), done.append, settings={"single_connection": True})
completer = done[0]


def complete(text, at=None):
    doc = Document(text, len(text) if at is None else at)
    return sorted({c.text for c in completer.get_completions(doc, None)})


print(json.dumps({
    "search_path": executor.search_path(),
    "tables": complete("SELECT * FROM connect."),
    "columns": complete("SELECT  FROM connect.users", at=7),
    "functions": len(list(executor.functions())),
}))
