"""Use cases over a unit of work: ingest, share, receive, query, deconflict, resolve, analyse."""
