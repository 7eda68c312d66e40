// WatchpostContent owns content integrity: the signed approved-content manifest (format, signing,
// verification), the media-folder scanner and its hash cache, the `content` probe that turns a
// scan into security findings. The `player` check (what is playing now) is in WatchpostPlayer.
