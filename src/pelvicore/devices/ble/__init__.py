"""Bluetooth LE: the transport interface, its Bumble and bleak implementations, the sensor source that turns a
trainer's notifications into frames, and virtual trainers for tests and demonstrations."""
