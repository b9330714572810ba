"""Records management's models: the retention plan of a round and a round's archival packages."""
