// WatchpostContent owns content integrity: the signed approved-content manifest (format, signing,
// verification), the media-folder scanner and its hash cache, the `content` probe that turns a
// scan into security findings, and the `player` probe that checks what is playing now.
