// WatchpostStore
