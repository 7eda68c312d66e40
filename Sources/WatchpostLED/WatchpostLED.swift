// WatchpostLED owns the NovaStar LED controller probe: frame codec, TCP and serial transports, client, status and responder actions.
