// WatchpostPower owns the power probes: HID Power Device, Megatec Q1 and NUT upsd drivers behind one UPS vocabulary.
