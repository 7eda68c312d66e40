// USB is the one module that touches libusb-1.0: device discovery by vendor/product/serial,
// interface claiming, control and interrupt transfers with timeouts, typed errors.
// (Filled by the power-probe work; this file states what the module owns.)
