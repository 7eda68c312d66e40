// WatchpostSimulators owns simulated hardware for the demo and the tests (NovaStar sending card,
// USB UPS, ...); it is never linked into the product binary.
