// WatchpostWeb owns the embedded web: acknowledgement links, accounts and roles, pages, JSON API and metrics.
