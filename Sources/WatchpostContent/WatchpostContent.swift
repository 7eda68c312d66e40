// WatchpostContent owns the content-integrity probe: signed approved-content manifests and media folder scanning.
