// WatchpostNetwork owns the reachability probes: ICMP echo, TCP connect, HTTP(S) through Curl, name resolution, concurrency.
